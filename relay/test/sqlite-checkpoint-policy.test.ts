// When the SQLite store checkpoints (relay/src/sqlite-checkpoint-policy.ts), through the store under load.
import Database from 'better-sqlite3';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { SqliteEventStore } from '../src/sqlite-store';
import { cleanup, newEvent as ev, tempDir } from './helpers';

afterEach(cleanup);

it('checkpoints off the event loop keep the WAL bounded under a steady stream of commits', async () => {
  const path = join(tempDir(), 'wal.db');
  const restartFrames = 300;
  const s = new SqliteEventStore(path, { restartFrames });
  let maxWal = 0;
  for (let i = 0; i < 2500; i++) {
    await s.append([ev(`e${i}`, `agent${i % 50}@example.com`)]);
    if (i % 50 === 0) maxWal = Math.max(maxWal, statSync(`${path}-wal`).size);
  }
  // Each single-event commit writes ~2 frames of 4 KB: without restarts the WAL would reach ~20 MB.
  expect(maxWal).toBeLessThan(8 * 1024 * 1024);
  expect((await s.readAfter('agent7@example.com', 0, 100)).length).toBe(50);
  await s.close();
  // Everything reached the database file itself.
  const check = new Database(path, { readonly: true });
  expect((check.prepare('SELECT COUNT(*) AS n FROM event_log').get() as { n: number }).n).toBe(2500);
  check.close();
});
