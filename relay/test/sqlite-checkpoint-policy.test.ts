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
  // 1,000 commits, each awaited (and so fsynced) on its own: enough to show the bound, few enough that a
  // disk shared with other work (fsync taking 8 ms and more) finishes well within the test's time.
  for (let i = 0; i < 1000; i++) {
    await s.append([ev(`e${i}`, `agent${i % 50}@example.com`)]);
    if (i % 50 === 0) maxWal = Math.max(maxWal, statSync(`${path}-wal`).size);
  }
  // Each single-event commit writes ~3 frames of 4 KB: with no checkpoint the WAL reaches 13 MB (measured
  // by stopping the policy's checkpoints); checkpointed and restarted, it stays near 1.2 MB.
  expect(maxWal).toBeLessThan(4 * 1024 * 1024);
  expect((await s.readAfter('agent7@example.com', 0, 100)).length).toBe(20);
  await s.close();
  // Everything reached the database file itself.
  const check = new Database(path, { readonly: true });
  expect((check.prepare('SELECT COUNT(*) AS n FROM event_log').get() as { n: number }).n).toBe(1000);
  check.close();
});
