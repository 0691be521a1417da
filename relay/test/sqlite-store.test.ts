import Database from 'better-sqlite3';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { NewEvent } from '../src/store';
import { SqliteEventStore } from '../src/sqlite-store';
import { cleanup, tempDir } from './helpers';
import { storeContract } from './store-contract';

afterEach(cleanup);

// The SQLite half of the shared store suite (the Redis half is redis-store.test.ts).
let dir: string | undefined;
storeContract('SQLite', () => ({
  async open(name) {
    dir ??= tempDir();
    return new SqliteEventStore(join(dir, `${name}.db`));
  },
}));
afterEach(() => {
  dir = undefined;
});

describe('SQLite store', () => {
  const ev = (id: string, agent = 'alice@example.com'): NewEvent => ({
    id,
    agent,
    kind: 'assigned',
    at: '2025-11-24T16:00:00.000Z',
    data: { conversationId: id },
  });

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

  it('a seq pruned away is not handed out again after a restart', async () => {
    const path = join(tempDir(), 'pruned.db');
    const s = new SqliteEventStore(path);
    await s.append([ev('a'), ev('b'), ev('c')]);
    expect(await s.prune(new Date(Date.now() + 1000))).toBe(3);
    await s.close();
    const again = new SqliteEventStore(path);
    expect(await again.append([ev('d')])).toEqual([{ seq: 4, duplicate: false }]);
    await again.close();
  });

  it('after a crash, seqs continue beyond the reservation on disk; after a clean stop, without a gap', async () => {
    const path = join(tempDir(), 'crash.db');
    const crashed = new SqliteEventStore(path);
    await crashed.append([ev('a'), ev('b')]);
    // Not closed, like a killed process: the seqs it reserved may have reached clients.
    const restarted = new SqliteEventStore(path);
    const [[c]] = [await restarted.append([ev('c')])];
    expect(c!.seq).toBeGreaterThan(10_000);
    await restarted.close();
    const clean = new SqliteEventStore(path);
    expect(await clean.append([ev('d')])).toEqual([{ seq: c!.seq + 1, duplicate: false }]);
    await clean.close();
  });

  it('a replay never hands out a seq beyond the reservation on disk (it could be given to another event after a power cut)', async () => {
    const s = new SqliteEventStore(join(tempDir(), 'replay.db'));
    // The first commit after opening reserves its seqs; that reservation is not on disk until the fsync.
    const appended = s.append([ev('a')]);
    await new Promise((r) => setImmediate(r)); // committed (the flush runs first), fsync not yet done
    expect(await s.readAfter('alice@example.com', 0, 10)).toEqual([]);
    expect(await s.latest('alice@example.com')).toBe(0);
    const [[a]] = [await appended];
    expect((await s.readAfter('alice@example.com', 0, 10)).map((e) => e.seq)).toEqual([a!.seq]);
    expect(await s.latest('alice@example.com')).toBe(a!.seq);
    await s.close();
  });

  it('prune removes exactly the events stored before the cutoff', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      const s = new SqliteEventStore(join(tempDir(), 'prune.db'));
      for (let day = 0; day < 10; day++) {
        vi.setSystemTime(new Date(2026, 0, 1 + day));
        await s.append(Array.from({ length: 1 + (day % 3) }, (_, i) => ev(`d${day}-${i}`)));
      }
      // Days 0–5 hold 1+2+3+1+2+3 = 12 events.
      expect(await s.prune(new Date(2026, 0, 6, 12))).toBe(12);
      expect((await s.readAfter('alice@example.com', 0, 100))[0]!.id).toBe('d6-0');
      expect(await s.prune(new Date(2026, 0, 6, 12))).toBe(0);
      await s.close();
    } finally {
      vi.useRealTimers();
    }
  });

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
});
