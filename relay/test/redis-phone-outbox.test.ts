import { afterAll, beforeAll } from 'vitest';
import { RedisPhoneOutboxStore } from '../src/redis-phone-outbox';
import { phoneOutboxContract } from './phone-outbox-contract';
import { startRedis, type RedisUnderTest } from './redis-server';

// The Redis half of the shared outbox suite: its own redis-server, one key prefix per outbox, two connections as two processes.
let redis: RedisUnderTest;
beforeAll(async () => {
  redis = await startRedis();
}, 60_000);
afterAll(async () => {
  await redis?.stop();
});

phoneOutboxContract('Redis', () => ({
  open: (name) => RedisPhoneOutboxStore.open(redis.url, { prefix: `${name}:` }),
}));
