// The SQLite store's ReportSource (board/report-rows.ts): one SQL statement over event_log, on a
// connection of its own. A report over a month reads every event of it (there is no index on `at`:
// each one would cost every webhook's insert a page more to fsync), so the rows are read in slices
// of a few milliseconds with the event loop let go in between: webhooks and websockets keep being
// served while a report is read. The writer's connection is never busy with it.
import Database from 'better-sqlite3';
import { AGENT_STATUS_KIND } from '@switchboard/protocol/event-kinds';
import type { ReportRow, ReportRowsQuery, ReportSource } from './board/report-rows';
import { CONVERSATION_KINDS_SQL, makeRow, RowCollector, rowBounds } from './board/stored-rows';

// The WHERE is stored-rows.ts's `wanted`; text comparisons on `at` (see RowBounds). The JSON of a row
// is parsed once for all its fields (SQLite caches it within the statement).
const ROWS_SQL = `
SELECT seq, agent, kind, at,
  CASE WHEN kind IN (${CONVERSATION_KINDS_SQL}) THEN data ->> '$.conversationId' END,
  CASE WHEN kind IN (${CONVERSATION_KINDS_SQL}) THEN data ->> '$.createdAt' END,
  CASE WHEN kind IN (${CONVERSATION_KINDS_SQL}) THEN data ->> '$.closedAt' END,
  CASE WHEN kind = '${AGENT_STATUS_KIND}' THEN data ->> '$.status' END,
  CASE WHEN kind = '${AGENT_STATUS_KIND}' THEN data ->> '$.substatus' END,
  CASE WHEN kind IN (${CONVERSATION_KINDS_SQL}) THEN data ->> '$.agentAlias' END,
  CASE WHEN kind = 'transferred' THEN data ->> '$.transfer.fromAgentId' END,
  CASE WHEN kind = 'transferred' THEN data ->> '$.transfer.toAgentId' END
FROM event_log
WHERE (at >= :start AND at < :end)
   OR (at < :start AND kind = '${AGENT_STATUS_KIND}')
   OR (at >= :lookback AND at < :start AND kind IN ('assigned', 'transferred'))
ORDER BY agent, at, seq`;

/** How long a slice of reading holds the event loop (ms). */
const SLICE_MS = 8;

type RawRow = [number, string, string, string, unknown, unknown, unknown, unknown, unknown, unknown, unknown, unknown];

export class SqliteReportSource implements ReportSource {
  private db: Database.Database | undefined;
  private stmt: Database.Statement | undefined;
  /** One read at a time: a connection runs one statement, and two reports at once would only share the CPU. */
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  /**
   * `path`: the store's file, opened again for reading. A database in memory has no second
   * connection: then the writer's is used, and read in one go (a slice must not leave it busy).
   */
  constructor(
    private readonly path: string,
    private readonly writer: Database.Database,
  ) {}

  private get inMemory(): boolean {
    return this.path === ':memory:' || this.path === '';
  }

  private statement(): Database.Statement {
    if (!this.stmt) {
      if (this.inMemory) this.db = this.writer;
      else {
        this.db = new Database(this.path, { fileMustExist: true });
        this.db.pragma('query_only = ON');
        this.db.pragma('busy_timeout = 5000');
      }
      this.stmt = this.db.prepare(ROWS_SQL).raw(true);
    }
    return this.stmt;
  }

  rows(query: ReportRowsQuery): Promise<ReportRow[]> {
    const run = this.queue.then(() => this.read(query));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async read(query: ReportRowsQuery): Promise<ReportRow[]> {
    if (this.closed) throw new Error('store is closed');
    const bounds = rowBounds(query);
    const out = new RowCollector(bounds);
    const slices = !this.inMemory;
    let sliceStart = performance.now();
    let n = 0;
    for (const r of this.statement().iterate(bounds) as IterableIterator<RawRow>) {
      const row = makeRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11]);
      if (row) out.add(row, r[3]);
      if (slices && (++n & 1023) === 0 && performance.now() - sliceStart > SLICE_MS) {
        await new Promise((resolve) => setImmediate(resolve));
        // Leaving the loop ends the statement (the iterator's return), so the connection can close.
        if (this.closed) throw new Error('store is closed');
        sliceStart = performance.now();
      }
    }
    return out.finish();
  }

  /** Waits for a read under way (it stops at its next slice), then closes the connection. */
  async close(): Promise<void> {
    this.closed = true;
    await this.queue;
    if (this.db && this.db !== this.writer) this.db.close();
    this.db = undefined;
    this.stmt = undefined;
  }
}
