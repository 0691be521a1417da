// A relay killed (-9) under load at random moments and restarted by a supervisor; clients resume.
import { afterAll, expect, it } from 'vitest';
import { generateLoad, Progress, RelayProcess, report, ResumingClient, sleep, tally, waitUntil } from './harness';
import { secretsInLogs } from './harness';

afterAll(() => {
  // Every log line the relay children wrote in this file: no token, no secret.
  expect(secretsInLogs()).toEqual([]);
});

const AGENTS = 50;
const PER_AGENT = 100; // 5,000 events

let relay: RelayProcess;
const clients: ResumingClient[] = [];
afterAll(async () => {
  for (const c of clients) c.stop();
  await relay?.dispose();
});

it('kill -9 at random moments: every 2xx event delivered once, in order, to its agent', async () => {
  relay = new RelayProcess();
  await relay.start();
  const agents = Array.from({ length: AGENTS }, (_, i) => `agent${i}@example.com`);
  for (const a of agents) {
    const c = new ResumingClient(a, () => [relay.wsUrl]);
    clients.push(c);
    c.start();
  }
  await waitUntil(() => clients.every((c) => c.generation), 15_000, 'clients connected');

  // Random moments by progress, not the clock (a fast machine would finish between two timed
  // kills): a kill every 400–1,300 accepted events up to the last 1,000, which wait for the supervisor.
  const total = AGENTS * PER_AGENT;
  const progress = new Progress();
  const supervisor = (async () => {
    for (let at = 400 + Math.random() * 900; at < total - 1000; at += 400 + Math.random() * 900) {
      await progress.reached(Math.floor(at));
      await relay.kill('SIGKILL');
      await sleep(Math.random() * 300);
      await relay.start();
    }
  })();
  const load = await generateLoad({
    agents,
    perAgent: PER_AGENT,
    targets: () => [relay.url],
    concurrency: 24,
    deadlineMs: 150_000,
    onAccepted: progress.onAccepted,
    hold: { from: total - 1000, until: supervisor },
  });
  await supervisor;

  await waitUntil(() => tally(load, clients).delivered === total, 30_000, 'all accepted events delivered').catch(() => undefined);
  const t = tally(load, clients);
  report('relay killed under load (SQLite)', {
    accepted: t.accepted,
    delivered: t.delivered,
    lost: t.lost,
    duplicatesShown: t.duplicatesShown,
    outOfOrder: t.outOfOrder,
    kills: relay.kills,
    postAttempts: load.attempts,
    retriedPosts: load.non2xx + load.networkErrors,
    reconnects: clients.reduce((n, c) => n + c.connects, 0) - AGENTS,
    resentFramesDropped: clients.reduce((n, c) => n + c.duplicatesReceived, 0),
  });
  expect(relay.kills).toBeGreaterThanOrEqual(3);
  expect(t.accepted).toBe(total);
  expect(t.lost).toBe(0);
  expect(t.duplicatesShown).toBe(0);
  expect(t.outOfOrder).toBe(0);
}, 200_000);
