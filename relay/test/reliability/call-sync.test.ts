// Server-side call sync under faults, with relays as real child processes and the real sandbox as
// SnapEngage: a relay killed (-9) between a call's start and end, or with a status change still
// pending, and two relays sharing one Redis with a call started on one and ended on the other.
// Faults land by progress (what SnapEngage has received), never by the clock.
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { createSandbox, type Sandbox } from '../../../sandbox/server';
import { startRedis, type RedisUnderTest } from '../redis-server';
import { RelayProcess, report, secretsInLogs, sleep, waitUntil, WEBHOOK_TOKEN } from './harness';

const PHONE_TOKEN = 'reliability-phone-token-0123456789abcdef012345';
const ALICE = 'alice@example.com';

let sandbox: Sandbox;
let redis: RedisUnderTest;
const relays: RelayProcess[] = [];
beforeAll(async () => {
  sandbox = await createSandbox({ port: 0, agents: [ALICE] });
  redis = await startRedis();
});
afterEach(async () => {
  for (const r of relays.splice(0)) await r.dispose();
  sandbox.setFailure(null);
  sandbox.clearRequests();
});
afterAll(async () => {
  // Every log line the relay children wrote in this file: no token, no secret, not the account's API token.
  expect(secretsInLogs([sandbox.apiToken, PHONE_TOKEN])).toEqual([]);
  await sandbox?.close();
  await redis?.stop();
});

/** A relay child in relay mode with the phone webhook: call sync on (PHONE_CALL_SYNC's default). */
async function relay(env: Record<string, string> = {}): Promise<RelayProcess> {
  const r = new RelayProcess({
    SNAPENGAGE_API_TOKEN: sandbox.apiToken,
    SNAPENGAGE_ORG_ID: sandbox.orgId,
    SNAPENGAGE_API_BASE: sandbox.url,
    PHONE_WEBHOOK_TOKEN: PHONE_TOKEN,
    ...env,
  });
  relays.push(r);
  await r.start();
  return r;
}

/** SnapEngage's status webhook goes to this relay (for the agent's status as SnapEngage reports it). */
const statusWebhookTo = (r: RelayProcess) =>
  sandbox.configureWebhooks({ statusUrl: `${r.url}/snapengage/agent-status`, token: WEBHOOK_TOKEN });

async function call(r: RelayProcess, state: 'started' | 'ended', callId: string): Promise<void> {
  const res = await fetch(`${r.url}/phone/call-events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${PHONE_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ agent: ALICE, state, callId }),
  });
  expect(res.status, await res.text()).toBe(200);
}

const alice = () => sandbox.agentStatus(ALICE)!;
const paused = () => alice().status === 'pause' && alice().substatus === 'On a call';
const online = () => alice().status === 'online';
const statusCalls = () => sandbox.requests().filter((r) => r.path === `/api/v2/${sandbox.orgId}/agent/status`);

/** Alice signs in, as SnapEngage reports it to `r`: the relay then knows she is online. */
async function signIn(r: RelayProcess): Promise<void> {
  statusWebhookTo(r);
  const { delivery } = await sandbox.changeStatusInHub(ALICE, 'online');
  expect(delivery?.ok).toBe(true);
}

it('SQLite: a relay killed -9 between the call start and its end still puts the agent back online after its restart', async () => {
  const r = await relay();
  await signIn(r);
  await call(r, 'started', 'pbx-1');
  await waitUntil(paused, 15_000, 'Alice paused');
  await r.kill('SIGKILL');
  await r.start();
  await call(r, 'ended', 'pbx-1');
  // Within one lease at most: the relay may have been killed before it recorded SnapEngage's answer.
  await waitUntil(online, 45_000, 'Alice online after the restart');
  expect(statusCalls().map((c) => (c.body as { status: string }).status)).toEqual(['pause', 'online']);
  report('call sync: relay killed -9 between start and end (SQLite)', { kills: r.kills, statusCalls: statusCalls().length });
});

it('SQLite: a status change still being retried when the relay is killed -9 is made by the restarted relay', async () => {
  const r = await relay();
  await signIn(r);
  sandbox.setFailure({ mode: '503' });
  await call(r, 'started', 'pbx-2');
  // By progress: SnapEngage has refused the pause twice, so it is pending and being retried.
  await waitUntil(() => statusCalls().length >= 2, 15_000, 'two refused attempts');
  await r.kill('SIGKILL');
  const refused = statusCalls().length;
  sandbox.setFailure(null);
  await r.start();
  const restarted = Date.now();
  // At most one lease (the relay may have been killed mid-attempt) before it goes out again.
  await waitUntil(paused, 45_000, 'Alice paused by the restarted relay');
  const pausedAfterMs = Date.now() - restarted;
  await call(r, 'ended', 'pbx-2');
  await waitUntil(online, 15_000, 'Alice online');
  report('call sync: relay killed -9 with a change pending (SQLite)', {
    refusedBeforeKill: refused,
    pausedAfterRestartMs: pausedAfterMs,
    statusCalls: statusCalls().length,
  });
  expect(
    statusCalls()
      .slice(refused)
      .map((c) => (c.body as { status: string }).status),
  ).toEqual(['pause', 'online']);
});

it('two relays on one Redis: a call started on one and ended on the other; overlapping calls split across them', async () => {
  const url = `${redis.url}/2`;
  const [a, b] = [await relay({ RELAY_REDIS_URL: url }), await relay({ RELAY_REDIS_URL: url })];
  await signIn(b);
  await call(a, 'started', 'pbx-3');
  await waitUntil(paused, 15_000, 'Alice paused (call started on A)');
  await call(b, 'ended', 'pbx-3');
  await waitUntil(online, 15_000, 'Alice online (call ended on B)');

  await call(b, 'started', 'pbx-4');
  await call(a, 'started', 'pbx-5');
  await waitUntil(paused, 15_000, 'Alice paused (overlapping calls)');
  await call(a, 'ended', 'pbx-4');
  // Her record in the store both relays share: once the pause is settled, nothing is pending (the
  // call on B is still on). An `online` would have been recorded before the 200 just answered.
  const raw = new Redis(url);
  const record = async () => JSON.parse((await raw.get(`sb:calls:${ALICE}`))!);
  while ((await record()).action?.status === 'pause') await sleep(50);
  expect(await record()).toMatchObject({ calls: ['pbx-5'], action: null, claim: { callId: 'pbx-4' } });
  await raw.quit();
  expect(paused()).toBe(true);
  await call(b, 'ended', 'pbx-5');
  await waitUntil(online, 15_000, 'Alice online after both calls');
  expect(statusCalls().map((c) => (c.body as { status: string }).status)).toEqual(['pause', 'online', 'pause', 'online']);
});

it('two relays on one Redis: the one holding a pending change is killed -9; the other makes it', async () => {
  const url = `${redis.url}/3`;
  const [a, b] = [await relay({ RELAY_REDIS_URL: url }), await relay({ RELAY_REDIS_URL: url })];
  await signIn(b);
  sandbox.setFailure({ mode: '503' });
  await call(a, 'started', 'pbx-6');
  await waitUntil(() => statusCalls().length >= 2, 15_000, 'two refused attempts');
  await a.kill('SIGKILL');
  const killed = Date.now();
  sandbox.setFailure(null);
  // B looks at the shared store every 2 s (after A's lease, should A have died mid-attempt).
  await waitUntil(paused, 45_000, 'Alice paused by B');
  report('call sync: two relays on Redis, the one with a pending change killed -9', { pausedByOtherAfterMs: Date.now() - killed });
  await call(b, 'ended', 'pbx-6');
  await waitUntil(online, 15_000, 'Alice online');
});
