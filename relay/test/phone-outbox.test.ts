// Relay -> phone system: chat-started / chat-ended notices, retried with backoff until a 2xx,
// queued durably so a relay restart loses none. A node:http server on port 0 plays the phone system.
import { existsSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PhoneChatNotice } from '@switchboard/protocol/phone';
import { noticesFor } from '../src/phone-outbox';
import { PSEUDO_AGENT } from '../src/store';
import { conversationEvent } from '../../sandbox/payloads';
import { cleanup, sleep, startRelay, tempDir } from './helpers';
import { startRedis, type RedisUnderTest } from './redis-server';

const CONV = '/snapengage/conversation-events';
const PHONE_SYSTEM_TOKEN = 'phone-system-token-for-tests';
/** Short backoff so retries take milliseconds. */
const FAST = { baseDelayMs: 10, maxDelayMs: 40 };

const servers: Server[] = [];
afterEach(async () => {
  await cleanup();
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

interface PhoneSystem {
  url: string;
  /** Notices acknowledged with 2xx, in arrival order. */
  received: Array<{ body: any; headers: IncomingHttpHeaders }>;
  /** Every request, failed or not. */
  attempts: number;
  /** Requests still to answer with 503. */
  failNext: number;
  /** While true every request gets 503. */
  down: boolean;
}

async function phoneSystem(opts: { failFirst?: number; down?: boolean } = {}): Promise<PhoneSystem> {
  const state: PhoneSystem = { url: '', received: [], attempts: 0, failNext: opts.failFirst ?? 0, down: opts.down ?? false };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      state.attempts++;
      if (state.down || state.failNext > 0) {
        if (state.failNext > 0) state.failNext--;
        res.writeHead(503, { 'content-type': 'text/plain' });
        res.end('try later');
        return;
      }
      state.received.push({ body: JSON.parse(Buffer.concat(chunks).toString('utf8')), headers: req.headers });
      res.writeHead(204);
      res.end();
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/switchboard/notices`;
  return state;
}

async function until(pred: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

describe('phone notices (PHONE_SYSTEM_URL)', () => {
  it('assigned → chat-started for that agent; closed → chat-ended', async () => {
    const phone = await phoneSystem();
    const t = await startRelay({ phoneSystemUrl: phone.url, phoneSystemToken: PHONE_SYSTEM_TOKEN, phoneOutbox: FAST });
    const assigned = conversationEvent('assigned', {
      agent: 'Alice@Example.com',
      conversationId: 'chat-1',
      timestamp: Date.parse('2025-11-24T16:00:00Z'),
    });
    expect((await t.post(CONV, assigned)).status).toBe(200);
    await until(() => phone.received.length === 1, 'chat-started');
    const closed = conversationEvent('closed', {
      agent: 'alice@example.com',
      conversationId: 'chat-1',
      timestamp: Date.parse('2025-11-24T16:10:00Z'),
    });
    expect((await t.post(CONV, closed)).status).toBe(200);
    await until(() => phone.received.length === 2, 'chat-ended');

    const [started, ended] = phone.received;
    expect(started!.body).toEqual({
      agent: 'alice@example.com',
      state: 'chat-started',
      chatId: 'chat-1',
      id: expect.stringMatching(/^n-[0-9a-f]{32}$/),
      at: '2025-11-24T16:00:00.000Z',
    });
    expect(ended!.body).toEqual({
      agent: 'alice@example.com',
      state: 'chat-ended',
      chatId: 'chat-1',
      id: expect.stringMatching(/^n-/),
      at: '2025-11-24T16:10:00.000Z',
    });
    expect(started!.body.id).not.toBe(ended!.body.id);
    for (const r of phone.received) {
      expect(PhoneChatNotice.safeParse(r.body).success).toBe(true);
      expect(r.headers.authorization).toBe(`Bearer ${PHONE_SYSTEM_TOKEN}`);
      expect(r.headers['content-type']).toBe('application/json');
      expect(r.headers['idempotency-key']).toBe(r.body.id);
    }
    // The phone system records a notice before it answers; the relay counts it once it has read the answer.
    await until(() => t.logs.filter((l) => l.includes('phone notice delivered')).length === 2, 'the relay to read both answers');
    expect((await t.get('/metrics')).text).toContain('relay_phone_notices_delivered_total 2');
    // the token never reaches a log line
    expect(t.logs.join('\n')).not.toContain(PHONE_SYSTEM_TOKEN);
  });

  it('a transfer tells the new agent chat-started and the previous one chat-ended; other kinds send nothing', async () => {
    const phone = await phoneSystem();
    const t = await startRelay({ phoneSystemUrl: phone.url, phoneOutbox: FAST });
    for (const kind of ['queued', 'responded', 'labeled', 'surveyed', 'broadcasted'] as const) {
      expect((await t.post(CONV, conversationEvent(kind, { agent: 'bob@example.com', conversationId: 'chat-2' }))).status).toBe(200);
    }
    // closed with nobody attached (a missed chat): stored under the pseudo-agent, no notice
    const missed = conversationEvent('closed', { conversationId: 'chat-3' }) as any;
    delete missed.agent;
    expect((await t.post(CONV, missed)).status).toBe(200);
    expect(
      (
        await t.post(
          CONV,
          conversationEvent('transferred', { agent: 'alice@example.com', fromAgent: 'bob@example.com', conversationId: 'chat-2' }),
        )
      ).status,
    ).toBe(200);
    await until(() => phone.received.length === 2, 'two transfer notices');
    await sleep(100);
    expect(phone.received.map((r) => [r.body.agent, r.body.state, r.body.chatId]).sort()).toEqual([
      ['alice@example.com', 'chat-started', 'chat-2'],
      ['bob@example.com', 'chat-ended', 'chat-2'],
    ]);
    // no PHONE_SYSTEM_TOKEN → no Authorization header
    expect(phone.received[0]!.headers.authorization).toBeUndefined();
  });

  it('a phone system failing the first 3 attempts still gets the notice exactly once', async () => {
    const phone = await phoneSystem({ failFirst: 3 });
    const t = await startRelay({ phoneSystemUrl: phone.url, phoneOutbox: FAST });
    const body = conversationEvent('assigned', { agent: 'alice@example.com', conversationId: 'chat-r' });
    expect((await t.post(CONV, body)).status).toBe(200);
    await until(() => phone.received.length === 1, 'the notice after retries');
    await until(() => t.logs.some((l) => l.includes('phone notice delivered')), 'the relay to read the answer');
    // the redelivered webhook is a duplicate: no second notice either
    expect((await t.post(CONV, body)).json).toMatchObject({ duplicate: true });
    await sleep(200);
    expect(phone.attempts).toBe(4);
    expect(phone.received).toHaveLength(1);
    expect(phone.received[0]!.body).toMatchObject({ agent: 'alice@example.com', state: 'chat-started', chatId: 'chat-r' });
    const metrics = (await t.get('/metrics')).text;
    expect(metrics).toContain('relay_phone_notices_delivered_total 1');
    expect(metrics).toContain('relay_phone_notices_failed_total{outcome="retry"} 3');
    expect(t.logs.filter((l) => l.includes('will retry'))).toHaveLength(3);
  });

  it('per agent, notices arrive in order even when the first one needed retries', async () => {
    const phone = await phoneSystem({ failFirst: 2 });
    const t = await startRelay({ phoneSystemUrl: phone.url, phoneOutbox: FAST });
    expect((await t.post(CONV, conversationEvent('assigned', { agent: 'alice@example.com', conversationId: 'chat-o' }))).status).toBe(200);
    expect((await t.post(CONV, conversationEvent('closed', { agent: 'alice@example.com', conversationId: 'chat-o' }))).status).toBe(200);
    await until(() => phone.received.length === 2, 'both notices');
    expect(phone.received.map((r) => r.body.state)).toEqual(['chat-started', 'chat-ended']);
  });

  it('a notice pending when the relay stops is delivered by the next relay', async () => {
    const dir = tempDir();
    const phone = await phoneSystem({ down: true });
    const first = await startRelay({ dir, phoneSystemUrl: phone.url, phoneOutbox: FAST });
    expect((await first.post(CONV, conversationEvent('assigned', { agent: 'alice@example.com', conversationId: 'chat-p' }))).status).toBe(
      200,
    );
    await until(() => phone.attempts >= 2, 'a few failed attempts');
    await first.close();
    expect(existsSync(`${first.dbPath}.phone-outbox`)).toBe(true);
    expect(phone.received).toHaveLength(0);

    phone.down = false;
    const second = await startRelay({ dir, phoneSystemUrl: phone.url, phoneOutbox: FAST });
    await until(() => second.logs.some((l) => l.includes('phone notice delivered')), 'the new relay to deliver the pending notice');
    await sleep(100);
    // At least once: a request the first relay cut short at shutdown may still have reached the
    // phone system, so it can see the notice twice, always with the same id.
    expect(phone.received.length).toBeGreaterThanOrEqual(1);
    expect(phone.received.length).toBeLessThanOrEqual(2);
    expect(new Set(phone.received.map((r) => r.body.id)).size).toBe(1);
    expect(phone.received[0]!.body).toMatchObject({ agent: 'alice@example.com', state: 'chat-started', chatId: 'chat-p' });
    expect(second.logs.some((l) => l.includes('phone outbox resuming pending notices'))).toBe(true);
  });

  it('gives up after giveUpAfterMs and logs it', async () => {
    const phone = await phoneSystem({ down: true });
    const t = await startRelay({ phoneSystemUrl: phone.url, phoneOutbox: { ...FAST, giveUpAfterMs: 150 } });
    expect((await t.post(CONV, conversationEvent('assigned', { agent: 'alice@example.com', conversationId: 'chat-x' }))).status).toBe(200);
    await until(() => t.logs.some((l) => l.includes('phone notice dropped')), 'the give-up log line');
    const attempts = phone.attempts;
    await sleep(150);
    expect(phone.attempts).toBe(attempts);
    expect((await t.get('/metrics')).text).toContain('relay_phone_notices_failed_total{outcome="dropped"} 1');
    const line = JSON.parse(t.logs.find((l) => l.includes('phone notice dropped'))!);
    expect(line).toMatchObject({ level: 50, agent: 'alice@example.com', chatId: 'chat-x', err: 'HTTP 503' });
  });

  it("reads at most 64 KiB of the phone system's answer: a 2xx with a 64 MiB body is delivered and the rest never read", async () => {
    const TOTAL = 64 * 1024 * 1024; // far beyond what loopback socket buffers hold, so only reading drains it
    const chunk = Buffer.alloc(64 * 1024, 'x');
    let outcome: 'finished' | 'cut' | undefined;
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        let sent = 0;
        const pump = () => {
          while (sent < TOTAL) {
            sent += chunk.length;
            if (!res.write(chunk)) return void res.once('drain', pump);
          }
          res.end();
        };
        res.on('close', () => {
          outcome = res.writableFinished ? 'finished' : 'cut';
        });
        pump();
      });
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/notices`;
    const t = await startRelay({ phoneSystemUrl: url, phoneOutbox: { ...FAST, requestTimeoutMs: 15_000 } });
    expect((await t.post(CONV, conversationEvent('assigned', { agent: 'alice@example.com', conversationId: 'chat-big' }))).status).toBe(
      200,
    );
    await until(
      () => t.relay.metrics.phoneNoticesDelivered + t.relay.metrics.phoneNoticesFailed.size > 0 && outcome !== undefined,
      'the answer to be handled',
      15_000,
    );
    expect(outcome).toBe('cut');
    expect(t.relay.metrics.phoneNoticesDelivered).toBe(1);
    expect(t.relay.metrics.phoneNoticesFailed.size).toBe(0);
  });

  it('sends nothing when PHONE_SYSTEM_URL is not configured', async () => {
    const phone = await phoneSystem();
    const t = await startRelay({ phoneWebhookToken: 'only-call-events-in-0123456789abcdef' });
    expect((await t.post(CONV, conversationEvent('assigned', { agent: 'alice@example.com' }))).status).toBe(200);
    expect((await t.post(CONV, conversationEvent('closed', { agent: 'alice@example.com' }))).status).toBe(200);
    await sleep(200);
    expect(phone.attempts).toBe(0);
    expect(existsSync(`${t.dbPath}.phone-outbox`)).toBe(false);
  });

  it('does not replay events stored before PHONE_SYSTEM_URL was configured', async () => {
    const dir = tempDir();
    const phone = await phoneSystem();
    const before = await startRelay({ dir });
    expect((await before.post(CONV, conversationEvent('assigned', { agent: 'alice@example.com', conversationId: 'old' }))).status).toBe(
      200,
    );
    await before.close();
    const after = await startRelay({ dir, phoneSystemUrl: phone.url, phoneOutbox: FAST });
    expect((await after.post(CONV, conversationEvent('assigned', { agent: 'alice@example.com', conversationId: 'new' }))).status).toBe(200);
    await until(() => phone.received.length === 1, 'the new notice');
    await sleep(100);
    expect(phone.received.map((r) => r.body.chatId)).toEqual(['new']);
  });

  it('refuses a PHONE_SYSTEM_URL that is not http(s)', async () => {
    await expect(startRelay({ phoneSystemUrl: 'ftp://phones.example.com/' })).rejects.toThrow(/phoneSystemUrl must be empty or an http/);
  });
});

describe('phone notices with RELAY_REDIS_URL: queued in Redis, sent by any relay', () => {
  let redis: RedisUnderTest;
  beforeAll(async () => {
    redis = await startRedis();
  }, 60_000);
  afterAll(async () => {
    await redis?.stop();
  });

  it("keeps nothing on the relay's disk and delivers as in SQLite mode", async () => {
    const phone = await phoneSystem();
    const t = await startRelay({ redisUrl: `${redis.url}/1`, phoneSystemUrl: phone.url, phoneOutbox: FAST });
    expect((await t.post(CONV, conversationEvent('assigned', { agent: 'alice@example.com', conversationId: 'chat-r1' }))).status).toBe(200);
    await until(() => phone.received.length === 1, 'the notice');
    expect(phone.received[0]!.body).toMatchObject({ agent: 'alice@example.com', state: 'chat-started', chatId: 'chat-r1' });
    expect(existsSync(`${t.dbPath}.phone-outbox`)).toBe(false);
    expect(existsSync(t.dbPath)).toBe(false);
  });

  it('what one relay queued while the phone system was down, another delivers after the first stops', async () => {
    const phone = await phoneSystem({ down: true });
    const url = `${redis.url}/2`;
    const first = await startRelay({ redisUrl: url, phoneSystemUrl: phone.url, phoneOutbox: FAST });
    for (const id of ['chat-h1', 'chat-h2'])
      expect((await first.post(CONV, conversationEvent('assigned', { agent: 'alice@example.com', conversationId: id }))).status).toBe(200);
    await until(() => phone.attempts >= 2, 'a few failed attempts');
    await first.close();
    phone.down = false;
    // Another folder, another process's view: only Redis is shared.
    const second = await startRelay({ redisUrl: url, phoneSystemUrl: phone.url, phoneOutbox: FAST });
    await until(() => second.logs.filter((l) => l.includes('phone notice delivered')).length === 2, 'the second relay to deliver both');
    expect(second.logs.some((l) => l.includes('phone outbox resuming pending notices'))).toBe(true);
    expect(phone.received.map((r) => r.body.chatId)).toEqual(['chat-h1', 'chat-h2']);
  });
});

describe('noticesFor', () => {
  const base = { id: 'e-1', at: '2025-11-24T16:00:00.000Z' };
  it('maps stored events to notices with stable ids', () => {
    const a = noticesFor({ ...base, agent: 'alice@example.com', kind: 'assigned', data: { conversationId: 'c' } });
    expect(a).toEqual([{ agent: 'alice@example.com', state: 'chat-started', chatId: 'c', id: expect.any(String), at: base.at }]);
    expect(noticesFor({ ...base, agent: 'alice@example.com', kind: 'assigned', data: { conversationId: 'c' } })[0]!.id).toBe(a[0]!.id);
    expect(noticesFor({ ...base, agent: 'bob@example.com', kind: 'assigned', data: { conversationId: 'c' } })[0]!.id).not.toBe(a[0]!.id);
    expect(noticesFor({ ...base, agent: PSEUDO_AGENT, kind: 'closed', data: { conversationId: 'c' } })).toEqual([]);
    expect(noticesFor({ ...base, agent: 'alice@example.com', kind: 'call', data: { callId: 'x' } })).toEqual([]);
    const transfer = { conversationId: 'c', transfer: { fromAgentId: 'Bob@example.com', toAgentId: 'ALICE@example.com' } };
    expect(noticesFor({ ...base, agent: 'alice@example.com', kind: 'transferred', data: transfer })[0]!.state).toBe('chat-started');
    expect(noticesFor({ ...base, agent: 'bob@example.com', kind: 'transferred', data: transfer })[0]!.state).toBe('chat-ended');
  });
});
