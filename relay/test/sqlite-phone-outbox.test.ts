import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { SqlitePhoneOutboxStore } from '../src/sqlite-phone-outbox';
import { cleanup, tempDir } from './helpers';
import { phoneOutboxContract } from './phone-outbox-contract';

// The SQLite half of the shared outbox suite: one file per outbox, two stores on one file as two processes.
afterAll(cleanup);
let dir: string | undefined;
phoneOutboxContract('SQLite', () => ({
  open: async (name) => {
    dir ??= tempDir();
    return new SqlitePhoneOutboxStore(join(dir, `${name}.phone-outbox`));
  },
}));

it('takes over a file written before claims existed: its pending notices are sent, none counts as claimed', async () => {
  const path = join(tempDir(), 'old.phone-outbox');
  const old = new Database(path);
  old.exec(`
    CREATE TABLE phone_notices (
      n INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, agent TEXT NOT NULL, body TEXT NOT NULL,
      status TEXT NOT NULL DEFAULT 'pending', attempts INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL,
      next_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, last_error TEXT);
    INSERT INTO phone_notices (id, agent, body, attempts, created_at, next_at, updated_at)
      VALUES ('n-old', 'alice@example.com', '{"id":"n-old"}', 2, 1000, 2000, 2000);
  `);
  old.close();
  const s = new SqlitePhoneOutboxStore(path);
  expect(await s.pendingCount()).toBe(1);
  expect(await s.claim(1999, 10_000, 8)).toEqual([]);
  expect(await s.claim(2000, 10_000, 8)).toEqual([
    {
      id: 'n-old',
      agent: 'alice@example.com',
      body: '{"id":"n-old"}',
      attempts: 2,
      createdAt: 1000,
      claim: expect.any(String),
      until: 12_000,
    },
  ]);
  await s.close();
});
