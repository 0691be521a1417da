import { afterAll, beforeAll } from 'vitest';
import { RelayRedisStore } from '../../relay/redis-store';
import { startRedis, type RedisUnderTest } from '../../scripts/redis';
import { storeContract } from './store-contract';

// The Redis half of the shared store suite: its own redis-server (scripts/redis.ts), one key prefix per log.
let redis: RedisUnderTest;
beforeAll(async () => {
  redis = await startRedis();
}, 60_000);
afterAll(async () => {
  await redis?.stop();
});

storeContract('Redis', () => ({
  open: (name) => RelayRedisStore.open(redis.url, { prefix: `${name}:` }),
}));
