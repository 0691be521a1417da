// Redis mode keeps no phone notice on a relay's disk: two relays share one Redis, the phone system
// is down so notices pile up, relay A is killed -9 while it holds claims on some (its requests
// in flight), the phone system comes back, and relay B sends every pending notice, A's included,
// exactly once and in each agent's order.
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startRedis, type RedisUnderTest } from '../redis-server';
import { RelayProcess, report, secretsInLogs, waitUntil, WEBHOOK_TOKEN } from './harness';

afterAll(() => {
  expect(secretsInLogs([PHONE_SYSTEM_TOKEN])).toEqual([]);
});

const PHONE_SYSTEM_TOKEN = 'phone-system-token-0123456789abcdef0123';
/** Short retries, a lease that ends 4 s after a claim, a look at the shared queue every 200 ms. */
const TIMING = { baseDelayMs: 50, maxDelayMs: 200, requestTimeoutMs: 1500, leaseMs: 4000, pollMs: 200 };
const AGENTS = Array.from({ length: 10 }, (_, i) => `phone${i}@example.com`);

let redis: RedisUnderTest;
const relays: RelayProcess[] = [];
const sockets = new Set<Socket>();
const phone = createServer();
beforeAll(async () => {
  redis = await startRedis();
  phone.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => phone.listen(0, '127.0.0.1', r));
});
afterAll(async () => {
  for (const r of relays) await r.dispose();
  for (const s of sockets) s.destroy();
  await new Promise((r) => phone.close(r));
  await redis?.stop();
});

const conversation = (agent: string, event: 'conversation_assigned' | 'conversation_closed', chat: string) => ({
  event,
  eventId: `${event}-${agent}-${chat}`,
  timestamp: 1_764_000_000_000,
  widgetId: 'w-1',
  conversation: { id: chat, requesterName: 'Sam', description: 'Where is my order?' },
  agent: { id: agent, alias: agent.split('@')[0] },
});

it('two relays, one Redis, the phone system down: A killed -9 holding notices; B delivers every pending notice exactly once', async () => {
  // The phone system: 503 while down; then requests from A are held unanswered (A's claims stay
  // in flight); once up, 204 and each acknowledged notice recorded with the relay that sent it.
  let mode: 'down' | 'hold-a' | 'up' = 'down';
  const attempts = { a: 0, b: 0 };
  const held = new Map<string, ServerResponse>();
  const acknowledged: Array<{ by: string; agent: string; state: string; chatId: string; id: string }> = [];
  phone.on('request', (req, res) => {
    const by = req.url === '/a' ? 'a' : 'b';
    let text = '';
    req.on('data', (c) => {
      text += c;
    });
    req.on('end', () => {
      const body = JSON.parse(text) as { agent: string; state: string; chatId: string; id: string };
      attempts[by]++;
      if (req.headers.authorization !== `Bearer ${PHONE_SYSTEM_TOKEN}`) {
        res.writeHead(401).end();
      } else if (mode === 'up') {
        acknowledged.push({ by, ...body });
        res.writeHead(204).end();
      } else if (mode === 'hold-a' && by === 'a') {
        held.set(body.id, res);
      } else {
        res.writeHead(503).end();
      }
    });
  });
  const base = `http://127.0.0.1:${(phone.address() as AddressInfo).port}`;
  const relayOn = async (path: string) => {
    const r = new RelayProcess(
      {
        RELAY_REDIS_URL: redis.url,
        PHONE_SYSTEM_URL: `${base}${path}`,
        PHONE_SYSTEM_TOKEN,
        PHONE_OUTBOX_TIMING: JSON.stringify(TIMING),
      },
      undefined,
      [],
      ['--import', 'tsx', 'test/reliability/phone-timing-relay.ts'],
    );
    relays.push(r);
    await r.start();
    return r;
  };
  const [a, b] = [await relayOn('/a'), await relayOn('/b')];

  // Every webhook goes to A: B has only the shared queue to know of them.
  const expected: string[] = [];
  for (const agent of AGENTS) {
    for (const [event, chat] of [
      ['conversation_assigned', 'c1'],
      ['conversation_closed', 'c1'],
      ['conversation_assigned', 'c2'],
    ] as const) {
      const res = await fetch(`${a.url}/snapengage/conversation-events`, {
        method: 'POST',
        headers: { authorization: WEBHOOK_TOKEN, 'content-type': 'application/json' },
        body: JSON.stringify(conversation(agent, event, `${agent}-${chat}`)),
      });
      expect(res.status).toBe(200);
      expected.push(`${agent} ${event === 'conversation_assigned' ? 'chat-started' : 'chat-ended'} ${agent}-${chat}`);
    }
  }
  const raw = new Redis(redis.url);
  try {
    expect(await raw.scard('sb:po:pending')).toBe(AGENTS.length * 3);
    // By progress: both relays have tried (and failed) to send, so both work from the one queue.
    await waitUntil(() => attempts.a > 0 && attempts.b > 0, 20_000, 'both relays to try the phone system');
    mode = 'hold-a';
    await waitUntil(() => held.size > 0, 20_000, 'A to hold notices in flight');
    // A sends a round of claims at once: three more tries from B give the rest of A's round time to arrive.
    const bAt = attempts.b;
    await waitUntil(() => attempts.b >= bAt + 3, 20_000, 'B to try three more times');
    await a.kill('SIGKILL');
    const heldByA = [...held.keys()];
    const attemptsBeforeUp = { ...attempts };
    mode = 'up';
    const up = performance.now();
    await waitUntil(() => acknowledged.length >= expected.length, 60_000, 'B to deliver every notice');
    const allDelivered = performance.now() - up;
    // The phone system records a notice when it answers 204; B marks it done in Redis only once that
    // answer reaches it. So wait for the queue to empty (then nothing more can be sent) before
    // counting: asserting it the moment the last 204 left asserted an interleaving (2 still pending
    // in one CI run).
    await waitUntil(
      async () => (await raw.scard('sb:po:pending')) === 0 && (await raw.zcard('sb:po:due')) === 0,
      20_000,
      'B to mark every acknowledged notice done in Redis',
    );

    const perId = new Map<string, number>();
    for (const n of acknowledged) perId.set(n.id, (perId.get(n.id) ?? 0) + 1);
    const duplicates = [...perId.values()].filter((c) => c > 1).length;
    report('phone outbox, two relays on one Redis, A killed -9 holding notices', {
      notices: expected.length,
      heldByAAtKill: heldByA.length,
      failedAttemptsA: attemptsBeforeUp.a,
      failedAttemptsB: attemptsBeforeUp.b,
      deliveredByB: acknowledged.filter((n) => n.by === 'b').length,
      duplicates,
      msFromUpToAllDelivered: Math.round(allDelivered),
    });
    expect(acknowledged).toHaveLength(expected.length);
    expect(duplicates).toBe(0);
    expect(acknowledged.every((n) => n.by === 'b')).toBe(true);
    // A's notices in flight at the kill came back through B (after their lease ended).
    for (const id of heldByA) expect(perId.get(id)).toBe(1);
    // Each agent's notices in the order its chats went.
    for (const agent of AGENTS) {
      expect(acknowledged.filter((n) => n.agent === agent).map((n) => `${n.agent} ${n.state} ${n.chatId}`)).toEqual(
        expected.filter((e) => e.startsWith(`${agent} `)),
      );
    }
    expect(b.child?.exitCode).toBeNull();
  } finally {
    await raw.quit();
  }
}, 120_000);
