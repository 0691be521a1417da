// Scale-out on Redis under faults: two relays sharing one Redis with one killed, and Redis itself
// killed (-9) and restarted from its append-only file mid-load.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startRedis, type RedisUnderTest } from '../redis-server';
import { generateLoad, Progress, RelayProcess, report, ResumingClient, sleep, tally, waitUntil } from './harness';
import { secretsInLogs } from './harness';

afterAll(() => {
  // Every log line the relay children wrote in this file: no token, no secret.
  expect(secretsInLogs()).toEqual([]);
});

let redis: RedisUnderTest;
const relays: RelayProcess[] = [];
const clients: ResumingClient[] = [];
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  for (const c of clients) c.stop();
  for (const r of relays) await r.dispose();
  await redis?.stop();
});

const relayOn = async (prefixDb: number) => {
  const r = new RelayProcess({ RELAY_REDIS_URL: `${redis.url}/${prefixDb}` });
  relays.push(r);
  await r.start();
  return r;
};

it('two relays, one Redis: one killed, its clients move to the other and resume with 0 lost', async () => {
  const [a, b] = [await relayOn(0), await relayOn(0)];
  const agents = Array.from({ length: 20 }, (_, i) => `two${i}@example.com`);
  let aAlive = true;
  const mine: ResumingClient[] = [];
  for (const [i, agent] of agents.entries()) {
    // Half start on A, half on B; when A is gone only B is offered (the load balancer's view).
    const c = new ResumingClient(agent, () => (aAlive ? (i % 2 ? [b.wsUrl] : [a.wsUrl]) : [b.wsUrl]));
    mine.push(c);
    clients.push(c);
    c.start();
  }
  await waitUntil(() => mine.every((c) => c.generation), 15_000, 'clients connected');
  // By progress, not the clock: A dies a quarter into the load, and the second half waits until it has.
  const progress = new Progress();
  const killer = (async () => {
    await progress.reached(500);
    await a.kill('SIGKILL');
    aAlive = false;
  })();
  const load = await generateLoad({
    agents,
    perAgent: 100,
    targets: () => (aAlive ? [a.url, b.url] : [b.url]),
    concurrency: 16,
    onAccepted: progress.onAccepted,
    hold: { from: 1000, until: killer },
  });
  await killer;
  await waitUntil(() => tally(load, mine).lost === 0, 20_000, 'all delivered').catch(() => undefined);
  const t = tally(load, mine);
  report('two relays, one Redis, one killed', {
    accepted: t.accepted,
    delivered: t.delivered,
    lost: t.lost,
    duplicatesShown: t.duplicatesShown,
    outOfOrder: t.outOfOrder,
    movedClients: mine.filter((c) => c.connects > 1).length,
  });
  expect(t.accepted).toBe(2000);
  expect(t.lost).toBe(0);
  expect(t.duplicatesShown).toBe(0);
  expect(t.outOfOrder).toBe(0);
  expect(mine.filter((c) => c.connects > 1).length).toBeGreaterThanOrEqual(10);
  for (const c of mine) c.stop();
  await b.kill('SIGTERM');
}, 120_000);

it('Redis killed and restarted (append-only file) mid-load: no 2xx for an unstored event, 503 on /healthz meanwhile, 0 lost', async () => {
  const r = await relayOn(1);
  const agents = Array.from({ length: 10 }, (_, i) => `redis${i}@example.com`);
  const mine = agents.map((agent) => new ResumingClient(agent, () => [r.wsUrl]));
  for (const c of mine) {
    clients.push(c);
    c.start();
  }
  await waitUntil(() => mine.every((c) => c.generation), 15_000, 'clients connected');
  const health: number[] = [];
  let down = false;
  // By progress, not the clock: Redis dies 300 events in, and the events from the 500th on wait
  // until it is down, so the load is still running (and retrying) while it is.
  const progress = new Progress();
  const killed = (async () => {
    await progress.reached(300);
    await redis.kill();
    down = true;
  })();
  const chaos = killed.then(async () => {
    for (let i = 0; i < 10; i++) {
      health.push((await fetch(`${r.url}/healthz`)).status);
      await sleep(150);
    }
    await redis.restart();
    down = false;
  });
  let acceptedWhileDown = 0;
  const load = await generateLoad({
    agents,
    perAgent: 100,
    targets: () => [r.url],
    concurrency: 10,
    onAccepted: () => {
      progress.onAccepted();
      if (down) acceptedWhileDown++;
    },
    hold: { from: 500, until: killed },
  });
  await chaos;
  await waitUntil(() => tally(load, mine).lost === 0, 20_000, 'all delivered').catch(() => undefined);
  const t = tally(load, mine);
  report('Redis killed -9 and restarted mid-load', {
    accepted: t.accepted,
    delivered: t.delivered,
    lost: t.lost,
    duplicatesShown: t.duplicatesShown,
    outOfOrder: t.outOfOrder,
    refusedWhileDown: load.non2xx,
    healthzWhileDown: [...new Set(health)].join('/'),
    acceptedWhileDown,
  });
  expect(health.every((s) => s === 503)).toBe(true);
  expect(load.non2xx).toBeGreaterThan(0);
  expect(t.lost).toBe(0);
  expect(t.duplicatesShown).toBe(0);
  expect(t.outOfOrder).toBe(0);
  expect((await fetch(`${r.url}/healthz`)).status).toBe(200);
}, 120_000);
