import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dedupeKey, RelayRedisStore } from '../src/redis-store';
import type { NewEvent } from '../src/store';
import { startRedis, type RedisUnderTest } from './redis-server';
import { callStateContract } from './call-state-contract';
import { type StoreFactory, storeContract } from './store-contract';

// The Redis half of the shared store suites: its own redis-server (redis-server.ts), one key prefix per log.
let redis: RedisUnderTest;
beforeAll(async () => {
  redis = await startRedis();
}, 60_000);
afterAll(async () => {
  await redis?.stop();
});

const onRedis = (): StoreFactory => ({
  open: (name) => RelayRedisStore.open(redis.url, { prefix: `${name}:` }),
});
storeContract('Redis', onRedis);
callStateContract('Redis', onRedis);

describe('Redis keys', () => {
  const ev = (agent: string, id: string): NewEvent => ({
    id,
    agent,
    kind: 'assigned',
    at: '2025-11-24T16:00:00.000Z',
    data: { conversationId: id },
  });
  let raw: Redis;
  beforeAll(() => {
    raw = new Redis(redis.url);
  });
  afterAll(async () => {
    await raw?.quit();
  });

  it("keeps (agent, id) pairs apart when either holds ':' (the old key id:<agent>:<id> made these one)", async () => {
    const prefix = `colon-${process.pid}:`;
    const s = await RelayRedisStore.open(redis.url, { prefix });
    const pairs: [string, string][] = [
      ['a:b@example.com', 'c'],
      ['a', 'b@example.com:c'],
      ['a:b', '@example.com:c'],
      ['ä@example.com', 'x'], // 2 bytes in UTF-8: the length is counted in bytes on both sides
    ];
    const first = await s.append(pairs.map(([agent, id]) => ev(agent, id)));
    expect(first).toEqual([1, 2, 3, 4].map((seq) => ({ seq, duplicate: false })));
    // Each redelivery is recognised as its own pair's duplicate, none as another's.
    expect(await s.append(pairs.map(([agent, id]) => ev(agent, id)).reverse())).toEqual(
      [4, 3, 2, 1].map((seq) => ({ seq, duplicate: true })),
    );
    for (const [i, [agent, id]] of pairs.entries()) {
      expect(await s.readAfter(agent, 0, 10)).toEqual([
        { seq: i + 1, id, agent, kind: 'assigned', at: '2025-11-24T16:00:00.000Z', data: { conversationId: id } },
      ]);
      expect(await raw.get(dedupeKey(prefix, agent, id))).toBe(String(i + 1));
    }
    await s.close();
  });

  it('honours dedupe keys an older relay wrote, only when the stream entry at that seq has that id; prune removes both kinds', async () => {
    const prefix = `legacy-${process.pid}:`;
    const s = await RelayRedisStore.open(redis.url, { prefix });
    // As an older relay left it: the event stored, its key spelled id:<agent>:<id>.
    expect(await s.append([ev('a:b', 'c')])).toEqual([{ seq: 1, duplicate: false }]);
    await raw.rename(dedupeKey(prefix, 'a:b', 'c'), `${prefix}id:a:b:c`);
    // A redelivery of that event is still a duplicate...
    expect(await s.append([ev('a:b', 'c')])).toEqual([{ seq: 1, duplicate: true }]);
    // ...but the other pair the old key also spelled is a new event, not lost as a "duplicate".
    expect(await s.append([ev('a', 'b:c')])).toEqual([{ seq: 2, duplicate: false }]);
    expect((await s.readAfter('a', 0, 10)).map((e) => e.id)).toEqual(['b:c']);
    // Pruning the events removes their keys, old and new spellings alike.
    expect(await s.prune(new Date(Date.now() + 60_000))).toBe(2);
    expect(await raw.keys(`${prefix}dd:*`)).toEqual([]);
    expect(await raw.keys(`${prefix}id:*`)).toEqual([]);
    await s.close();
  });
});

describe('durabilityWarning', () => {
  it('none when Redis fsyncs every write; one that says it cannot check when CONFIG is renamed away (as managed services do)', async () => {
    const s = await RelayRedisStore.open(redis.url, { prefix: `durable-${process.pid}:` });
    expect(await s.durabilityWarning()).toBeUndefined();
    await s.close();
    const renamed = await startRedis({ args: ['--rename-command', 'CONFIG', ''] });
    try {
      const r = await RelayRedisStore.open(renamed.url);
      expect(await r.durabilityWarning()).toEqual({
        details: { config: "ERR unknown command 'config'" },
        message:
          'cannot check that redis fsyncs every write: CONFIG GET is refused (renamed, disabled or not allowed); make sure it runs with appendonly yes + appendfsync always',
      });
      await r.close();
    } finally {
      await renamed.stop();
    }
  });
});
