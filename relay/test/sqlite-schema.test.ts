// The SQLite store's tables (relay/src/sqlite-schema.ts), through the store that opens them.
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { SqliteEventStore } from '../src/sqlite-store';
import { cleanup, newEvent as ev, tempDir } from './helpers';

afterEach(cleanup);

it('migrates a database from before event_log, keeping events, generation and never reusing a seq', async () => {
  const path = join(tempDir(), 'legacy.db');
  const old = new Database(path);
  old.exec(`
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE events (seq INTEGER PRIMARY KEY AUTOINCREMENT, agent TEXT NOT NULL, id TEXT NOT NULL, kind TEXT NOT NULL,
      at TEXT NOT NULL, data TEXT NOT NULL, stored_at INTEGER NOT NULL, UNIQUE (agent, id));
    CREATE TABLE revoked_tokens (jti TEXT PRIMARY KEY, revoked_at INTEGER NOT NULL);
    INSERT INTO meta VALUES ('generation', 'gen-from-before');
    INSERT INTO revoked_tokens VALUES ('jti-old', 1);
  `);
  const insert = old.prepare(
    `INSERT INTO events (agent, id, kind, at, data, stored_at) VALUES (?, ?, 'assigned', '2025-11-24T16:00:00.000Z', '{"n":1}', ?)`,
  );
  for (const id of ['a', 'b', 'c']) insert.run('alice@example.com', id, Date.now());
  old.exec(`DELETE FROM events WHERE id = 'c'`); // seq 3 was handed out, then pruned
  old.close();

  const s = new SqliteEventStore(path);
  expect(s.generation).toBe('gen-from-before');
  expect((await s.readAfter('alice@example.com', 0, 10)).map((e) => [e.seq, e.id, e.data])).toEqual([
    [1, 'a', { n: 1 }],
    [2, 'b', { n: 1 }],
  ]);
  expect(await s.isRevoked('jti-old')).toBe(true);
  expect(await s.append([ev('a'), ev('d')])).toEqual([
    { seq: 1, duplicate: true },
    { seq: 4, duplicate: false },
  ]);
  await s.close();
});
