// The SQLite store's tables, created (and an older layout migrated) when a database is opened.
import type Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';

/** Creates what is missing and returns the log's generation (made once, kept across restarts and migrations). */
export function openSchema(db: Database.Database): string {
  db.exec(`
    CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS revoked_tokens (jti TEXT PRIMARY KEY, revoked_at INTEGER NOT NULL);
    CREATE TABLE IF NOT EXISTS quarantine (
      n INTEGER PRIMARY KEY AUTOINCREMENT,
      id TEXT NOT NULL UNIQUE,
      endpoint TEXT NOT NULL,
      received_at INTEGER NOT NULL,
      reason TEXT NOT NULL,
      detail TEXT NOT NULL,
      body TEXT NOT NULL
    );
    -- Server-side call sync (call-state.ts): one JSON record per agent; due_at indexes pending status changes.
    CREATE TABLE IF NOT EXISTS call_states (agent TEXT PRIMARY KEY, state TEXT NOT NULL, due_at INTEGER, updated_at INTEGER NOT NULL);
    CREATE INDEX IF NOT EXISTS call_states_due ON call_states (due_at) WHERE due_at IS NOT NULL;
  `);
  createEventLog(db);
  addReportColumns(db);
  db.prepare(`INSERT OR IGNORE INTO meta (key, value) VALUES ('generation', ?)`).run(randomBytes(12).toString('base64url'));
  return (db.prepare(`SELECT value FROM meta WHERE key = 'generation'`).get() as { value: string }).value;
}

/**
 * The event log's schema: the fewest pages an insert dirties, since each dirty page is 4 KB more
 * WAL to fsync before a webhook can be answered. seq is assigned by the store (AUTOINCREMENT
 * rewrote sqlite_sequence on every commit; the highest pruned seq is kept in meta instead), and
 * there is no index on stored_at (prune searches by seq). A database from before (table
 * `events`) is migrated once, keeping seqs and generation, so connected clients just resume.
 */
function createEventLog(db: Database.Database): void {
  db.transaction(() => {
    db.exec(`
      CREATE TABLE IF NOT EXISTS event_log (
        seq INTEGER PRIMARY KEY,
        agent TEXT NOT NULL,
        id TEXT NOT NULL,
        kind TEXT NOT NULL,
        at TEXT NOT NULL,
        data TEXT NOT NULL,
        stored_at INTEGER NOT NULL
      );
      CREATE UNIQUE INDEX IF NOT EXISTS event_log_agent_id ON event_log (agent, id);
    `);
    const legacy = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'events'`).get();
    if (!legacy) return;
    db.exec(
      'INSERT INTO event_log (seq, agent, id, kind, at, data, stored_at) SELECT seq, agent, id, kind, at, data, stored_at FROM events',
    );
    const used = db.prepare(`SELECT seq FROM sqlite_sequence WHERE name = 'events'`).get() as { seq: number } | undefined;
    db.prepare(`INSERT OR REPLACE INTO meta (key, value) VALUES ('seq_floor', ?)`).run(used?.seq ?? 0);
    db.exec('DROP TABLE events');
  })();
}

/**
 * What the team's reports read of each event (board/stored-rows.ts: reportFields), kept beside it when
 * it is stored: a month's report then reads 600,000 rows without parsing their JSON, which took most of
 * its time. No index: an insert dirties no more pages, its row is ~10% longer. Added to a database
 * from before them as empty columns (nothing rewritten); such rows are read through the JSON
 * (sqlite-report-source.ts) until retention prunes them.
 */
export const REPORT_COLUMNS = ['r_at', 'r_cid', 'r_created', 'r_closed', 'r_status', 'r_sub', 'r_alias', 'r_from', 'r_to'] as const;
const REPORT_COLUMN_TYPES: Record<(typeof REPORT_COLUMNS)[number], string> = {
  r_at: 'INTEGER',
  r_cid: 'TEXT',
  r_created: 'INTEGER',
  r_closed: 'INTEGER',
  r_status: 'TEXT',
  r_sub: 'TEXT',
  r_alias: 'TEXT',
  r_from: 'TEXT',
  r_to: 'TEXT',
};

/** What a report reads of each row (sqlite-report-source.ts: FEED_SQL), in the agent's index. */
const REPORT_INDEX_COLUMNS = ['r_at', 'kind', 'r_cid', 'r_created', 'r_closed', 'r_status', 'r_sub'];

function addReportColumns(db: Database.Database): void {
  const have = new Set((db.prepare('PRAGMA table_info(event_log)').all() as Array<{ name: string }>).map((c) => c.name));
  db.transaction(() => {
    for (const c of REPORT_COLUMNS) if (!have.has(c)) db.exec(`ALTER TABLE event_log ADD COLUMN ${c} ${REPORT_COLUMN_TYPES[c]}`);
    // An agent's events in order (a replay), carrying what a report reads: a report reads an agent's
    // month from the index's pages alone, side by side, not one table page per event (a relay's log
    // interleaves every agent's events). It replaced an index on (agent, seq) alone: an insert still
    // writes one entry, a longer one. Made once, by one pass over an older log (1.3 s per 600,000).
    db.exec(`CREATE INDEX IF NOT EXISTS event_log_agent_report ON event_log (agent, seq, ${REPORT_INDEX_COLUMNS.join(', ')})`);
    db.exec('DROP INDEX IF EXISTS event_log_agent_seq');
    // The rows without the columns, for a report to read through their JSON. Partial: an insert with
    // them (every insert since) leaves it alone.
    db.exec('CREATE INDEX IF NOT EXISTS event_log_unreported ON event_log (agent, seq) WHERE r_at IS NULL');
  })();
}
