import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SqliteEventStore } from '../src/sqlite-store';
import { cleanup, newEvent as ev, tempDir } from './helpers';
import { callStateContract } from './call-state-contract';
import { type StoreFactory, storeContract } from './store-contract';

afterEach(cleanup);

// The SQLite half of the shared store suites (the Redis half is redis-store.test.ts).
let dir: string | undefined;
const sqlite = (): StoreFactory => ({
  async open(name) {
    dir ??= tempDir();
    return new SqliteEventStore(join(dir, `${name}.db`));
  },
});
storeContract('SQLite', sqlite);
callStateContract('SQLite', sqlite);
afterEach(() => {
  dir = undefined;
});

describe('SQLite store', () => {
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
});
