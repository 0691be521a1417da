// The team lead's endpoints over real HTTP against a real relay: the board's snapshot and stream, the
// reports (their shape: the figures are report.ts's, tested beside it), the page's files, and who may
// read any of it.
import { mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BOARD_STATUSES, BoardAgent, BoardSnapshot, Report } from '@switchboard/protocol/board';
import { AGENT_STATUS_WEBHOOK_PATH, CONVERSATION_EVENTS_WEBHOOK_PATH } from '@switchboard/protocol/webhooks';
import { issueAdminToken, issueSupervisorToken } from '../../src/auth';
import { BOARD_PAGE_HEADERS } from '../../src/board/routes';
import { cleanup, connect, requestFrom, SECRET, startRelay, tempDir, type TestRelay } from '../helpers';
import { startRedis, type RedisUnderTest } from '../redis-server';

afterEach(cleanup);

const A = 'alice@example.com';
const supervisor = (opts: Parameters<typeof issueSupervisorToken>[2] = {}) => issueSupervisorToken(SECRET, 'lead@example.com', opts);
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const FROZEN = () => 0;

let n = 0;
const statusHook = (agent: string, status: string, substatus?: string, at = Date.now()) => ({
  eventId: `st-${process.pid}-${++n}`,
  agentId: agent,
  status,
  ...(substatus && { substatus }),
  timestamp: at,
});
const chatHook = (event: string, agent: string, conversation: string, at = Date.now()) => ({
  event,
  eventId: `cv-${process.pid}-${++n}`,
  timestamp: at,
  conversation: { id: conversation },
  agent: { id: agent, alias: agent.split('@')[0] },
});

/** An SSE reader over node:http: the frames as they arrive, and a wait for one that matches. */
interface SseReader {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** `event:` frames, and `: comment` lines as { comment }. */
  frames: Array<{ event?: string; data?: any; comment?: string }>;
  body: string;
  ended: Promise<void>;
  next(pred: (f: SseReader['frames'][number]) => boolean, what: string): Promise<SseReader['frames'][number]>;
  close(): void;
}

function openStream(t: TestRelay, headers: Record<string, string>): Promise<SseReader> {
  return new Promise((resolve, reject) => {
    const req = request(`${t.relay.url}/api/board/stream`, { headers, agent: false }, (res) => {
      const waiters: Array<() => void> = [];
      let buffer = '';
      const reader: SseReader = {
        status: res.statusCode!,
        headers: res.headers,
        frames: [],
        body: '',
        ended: new Promise((done) => {
          res.on('end', done);
          res.on('close', done);
        }),
        async next(pred, what) {
          let seen = 0;
          let gone = false;
          void reader.ended.then(() => {
            gone = true;
            for (const w of waiters.splice(0)) w();
          });
          while (true) {
            for (; seen < reader.frames.length; seen++) if (pred(reader.frames[seen]!)) return reader.frames[seen]!;
            if (gone) throw new Error(`stream ended before ${what}; got ${JSON.stringify(reader.frames)}`);
            await new Promise<void>((r) => waiters.push(r));
          }
        },
        close: () => req.destroy(),
      };
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        reader.body += chunk;
        buffer += chunk;
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (block.startsWith(':')) reader.frames.push({ comment: block.slice(1).trim() });
          else {
            const event = /^event: (.*)$/m.exec(block)?.[1];
            const data = /^data: (.*)$/m.exec(block)?.[1];
            reader.frames.push({ event, data: data === undefined ? undefined : JSON.parse(data) });
          }
        }
        for (const w of waiters.splice(0)) w();
      });
      res.on('error', () => undefined);
      resolve(reader);
    });
    req.on('error', reject);
    req.end();
    cleanupLater(() => req.destroy());
  });
}
const toClose: Array<() => void> = [];
const cleanupLater = (fn: () => void) => toClose.push(fn);
afterEach(() => {
  for (const fn of toClose.splice(0)) fn();
});

function pageDir(): string {
  const dir = join(tempDir(), 'board');
  mkdirSync(dir);
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Board</title><script type="module" src="/board/app.js"></script>');
  writeFileSync(join(dir, 'app.js'), 'console.log("board");');
  writeFileSync(join(dir, 'app.css'), 'body{}');
  return dir;
}

describe('GET /api/board', () => {
  it('every agent with events: status in force and reason, since, open chats, connected, last activity', async () => {
    const t = await startRelay();
    const at = Date.now() - 60_000;
    expect((await t.post(AGENT_STATUS_WEBHOOK_PATH, statusHook(A, 'online', undefined, at - 1000))).status).toBe(200);
    expect((await t.post(AGENT_STATUS_WEBHOOK_PATH, statusHook(A, 'pause', 'Lunch', at))).status).toBe(200);
    expect((await t.post(CONVERSATION_EVENTS_WEBHOOK_PATH, chatHook('conversation_assigned', A, 'c1', at + 1000))).status).toBe(200);
    const res = await t.get('/api/board', bearer(supervisor().token));
    expect(res.status).toBe(200);
    const snapshot = BoardSnapshot.parse(res.json);
    expect(snapshot.retentionDays).toBe(7);
    expect(snapshot.agents).toEqual([
      { agent: A, name: 'alice', status: 'pause', substatus: 'Lunch', since: at, openChats: 1, connected: false, lastActivity: at + 1000 },
    ]);
  });

  it('after a restart the board is read back from the store', async () => {
    const dir = tempDir();
    const first = await startRelay({ dir });
    const at = Date.now() - 60_000;
    await first.post(AGENT_STATUS_WEBHOOK_PATH, statusHook(A, 'pause', 'Meeting', at));
    await first.close();
    const second = await startRelay({ dir });
    const res = await second.get('/api/board', bearer(supervisor().token));
    expect(res.json.agents).toEqual([
      { agent: A, status: 'pause', substatus: 'Meeting', since: at, openChats: 0, connected: false, lastActivity: at },
    ]);
  });

  it('an agent or admin token is refused with 403 naming what to use; missing, bad, expired, revoked with 401', async () => {
    const t = await startRelay();
    const expired = supervisor({ ttlDays: 1, now: new Date(Date.now() - 2 * 86_400_000) }).token;
    const revoked = supervisor();
    await t.relay.store.revokeToken(revoked.claims.jti);
    const forged = issueSupervisorToken('another-secret-0123456789abcdef0123', 'lead@example.com').token;
    const use = 'use a supervisor token (switchboard-relay token --role supervisor <email>)';
    for (const path of ['/api/board', '/api/board/stream', '/api/reports?from=2026-03-01&to=2026-03-01&tz=UTC']) {
      const answers: Array<{ status: number; json: unknown }> = [];
      for (const headers of [
        bearer(t.tokenFor(A)),
        bearer(issueAdminToken(SECRET).token),
        {},
        bearer(forged),
        bearer(expired),
        bearer(revoked.token),
      ])
        answers.push(await t.get(path, headers));
      expect(answers.map((a) => [a.status, a.json])).toEqual([
        [403, { error: `an agent token cannot read the team's board or reports: ${use}` }],
        [403, { error: `an admin token cannot read the team's board or reports: ${use}` }],
        [401, { error: `missing supervisor token (Authorization: Bearer <token>): ${use}` }],
        [401, { error: 'supervisor token bad signature' }],
        [401, { error: 'supervisor token expired' }],
        [401, { error: 'supervisor token revoked' }],
      ]);
    }
  });

  it('refusals are failed attempts for the address, as on every route: then 429; a valid supervisor token still passes', async () => {
    const t = await startRelay({ authFailureLimit: 3, rateLimitClock: FROZEN });
    const from = '127.0.0.2';
    const get = (headers: Record<string, string>) => requestFrom(t.relay.url, '/api/board', { method: 'GET', localAddress: from, headers });
    const statuses = [(await get({})).status, (await get(bearer('sbs1.x.y'))).status, (await get(bearer(t.tokenFor(A)))).status];
    expect(statuses).toEqual([401, 401, 403]);
    const limited = await get(bearer('sbs1.x.y'));
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect((await get(bearer(supervisor().token))).status).toBe(200);
  });
});

describe('agent entry points refuse a supervisor token', () => {
  it('the websocket closes with 4401 and why; GET /api/events and the admin API answer 403', async () => {
    const t = await startRelay();
    const token = supervisor().token;
    const c = await connect(t.relay.wsUrl, { type: 'hello', token, after: 0 });
    expect(await c.closed).toEqual({
      code: 4401,
      reason: "a supervisor token cannot receive an agent's events (it reads the board); use the agent's relay token",
    });
    expect(await t.get('/api/events', bearer(token))).toMatchObject({
      status: 403,
      json: { error: "a supervisor token cannot read an agent's events: use the agent's relay token" },
    });
    expect(await t.get('/admin/quarantine', bearer(token))).toMatchObject({
      status: 403,
      json: { error: 'a supervisor token cannot use the admin API' },
    });
  });
});

describe('GET /api/board/stream', () => {
  it('a snapshot, then each change as an agent row: a webhook, and the agent’s extension connecting and leaving', async () => {
    const t = await startRelay();
    await t.post(AGENT_STATUS_WEBHOOK_PATH, statusHook(A, 'online'));
    const s = await openStream(t, bearer(supervisor().token));
    expect(s.status).toBe(200);
    expect(s.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    const first = await s.next((f) => f.event !== undefined, 'the snapshot');
    expect(first.event).toBe('snapshot');
    expect(BoardSnapshot.parse(first.data).agents.map((a) => [a.agent, a.status])).toEqual([[A, 'online']]);

    const at = Date.now();
    expect((await t.post(AGENT_STATUS_WEBHOOK_PATH, statusHook(A, 'pause', 'Coffee', at))).status).toBe(200);
    const paused = await s.next((f) => f.event === 'agent' && f.data.status === 'pause', 'the pause');
    expect(s.frames.filter((f) => f.event === 'agent').every((f) => BOARD_STATUSES.includes(f.data.status))).toBe(true);
    expect(BoardAgent.parse(paused.data)).toMatchObject({ agent: A, status: 'pause', substatus: 'Coffee', since: at, connected: false });

    const ws = await connect(t.relay.wsUrl, { type: 'hello', token: t.tokenFor(A), after: 0 });
    await s.next((f) => f.event === 'agent' && f.data.connected === true, 'connected');
    ws.close();
    await ws.closed;
    await s.next((f) => f.event === 'agent' && f.data.connected === false && f.data.status === 'pause', 'disconnected');
  });

  it('keep-alive comments; a revoked token’s stream ends at the next one, and it cannot open another', async () => {
    const t = await startRelay({ boardStreams: { keepAliveMs: 100 } });
    const token = supervisor();
    const s = await openStream(t, bearer(token.token));
    await s.next((f) => f.comment === 'keep-alive', 'a keep-alive comment');
    await t.relay.store.revokeToken(token.claims.jti);
    await s.ended;
    expect((await t.get('/api/board/stream', bearer(token.token))).json).toEqual({ error: 'supervisor token revoked' });
  });

  it('at most 4 streams per token and the relay’s total: 429 beyond, and a closed stream frees its place', async () => {
    const t = await startRelay({ boardStreams: { total: 5 } });
    const mine = supervisor().token;
    const open: SseReader[] = [];
    for (let i = 0; i < 4; i++) open.push(await openStream(t, bearer(mine)));
    expect(open.map((s) => s.status)).toEqual([200, 200, 200, 200]);
    const fifth = await t.get('/api/board/stream', bearer(mine));
    expect([fifth.status, fifth.json]).toEqual([429, { error: 'at most 4 board streams at once per token: close a board open elsewhere' }]);
    const other = await openStream(t, bearer(supervisor().token));
    expect(other.status).toBe(200);
    const full = await t.get('/api/board/stream', bearer(supervisor().token));
    expect([full.status, full.json]).toEqual([429, { error: 'too many board streams on this relay, retry later' }]);
    const gauge = async () => (await t.get('/metrics')).text.split('\n').find((l) => l.startsWith('relay_board_streams '));
    expect(await gauge()).toBe('relay_board_streams 5');
    open[0]!.close();
    // The relay sees the reader leave when its socket closes: wait for that, then a place is free.
    while ((await gauge()) !== 'relay_board_streams 4') await new Promise((r) => setTimeout(r, 20));
    expect((await openStream(t, bearer(mine))).status).toBe(200);
  });
});

describe('GET /api/reports', () => {
  const day = new Date(Date.now() - 2 * 86_400_000).toISOString().slice(0, 10);
  const at = Date.parse(`${day}T10:00:00.000Z`);

  async function withDay() {
    const t = await startRelay();
    await t.post(AGENT_STATUS_WEBHOOK_PATH, statusHook(A, 'online', undefined, at));
    await t.post(CONVERSATION_EVENTS_WEBHOOK_PATH, chatHook('conversation_assigned', A, 'c1', at + 60_000));
    await t.post(CONVERSATION_EVENTS_WEBHOOK_PATH, chatHook('conversation_closed', A, 'c1', at + 600_000));
    return t;
  }

  it('answers a Report for the period and zone asked, from the stored events', async () => {
    const t = await withDay();
    const res = await t.get(`/api/reports?from=${day}&to=${day}&tz=UTC`, bearer(supervisor().token));
    expect(res.status, res.text).toBe(200);
    const report = Report.parse(res.json);
    expect([report.from, report.to, report.tz, report.start, report.end]).toEqual([
      day,
      day,
      'UTC',
      Date.parse(day),
      Date.parse(day) + 86_400_000,
    ]);
    expect(report.agents.map((a) => a.agent)).toEqual([A]);
    expect(report.hours).toHaveLength(24);
  });

  it('format=csv: one section as a download', async () => {
    const t = await withDay();
    for (const section of ['agents', 'reasons', 'hours']) {
      const res = await fetch(`${t.relay.url}/api/reports?from=${day}&to=${day}&tz=UTC&format=csv&section=${section}`, {
        headers: bearer(supervisor().token),
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      expect(res.headers.get('content-disposition')).toBe(`attachment; filename="switchboard-${section}-${day}-${day}.csv"`);
      expect((await res.text()).split('\n')[0]!.length).toBeGreaterThan(0);
    }
    const byDefault = await fetch(`${t.relay.url}/api/reports?from=${day}&to=${day}&tz=UTC&format=csv`, {
      headers: bearer(supervisor().token),
    });
    expect(byDefault.headers.get('content-disposition')).toBe(`attachment; filename="switchboard-agents-${day}-${day}.csv"`);
  });

  it.each([
    ['from=2026-03-01&to=2026-03-02', 'tz is required (from=YYYY-MM-DD&to=YYYY-MM-DD&tz=Europe/Berlin)'],
    ['from=yesterday&to=2026-03-02&tz=UTC', 'from: dates are YYYY-MM-DD'],
    ['from=2026-03-01&to=2026-03-02&tz=UTC&format=xml', 'format is json or csv'],
    ['from=2026-03-01&to=2026-03-02&tz=UTC&format=csv&section=days', 'section is agents, reasons or hours'],
  ])('400 with a readable message: %s', async (search, error) => {
    const t = await startRelay();
    const res = await t.get(`/api/reports?${search}`, bearer(supervisor().token));
    expect([res.status, res.json]).toEqual([400, { error }]);
  });

  it.each([
    ['an unknown zone', 'from=2026-03-01&to=2026-03-02&tz=Mars/Olympus_Mons'],
    ['to before from', 'from=2026-03-02&to=2026-03-01&tz=UTC'],
    ['more than 92 days', 'from=2026-01-01&to=2026-06-01&tz=UTC'],
  ])('400 with the period’s problem in words: %s', async (_, search) => {
    const t = await startRelay();
    const res = await t.get(`/api/reports?${search}`, bearer(supervisor().token));
    expect(res.status).toBe(400);
    expect(res.json.error).toEqual(expect.any(String));
    expect(res.json.error.length).toBeGreaterThan(10);
  });
});

describe('the page: /board', () => {
  it('serves its three files with the strict Content-Security-Policy, the page at /board and /board/; nothing else', async () => {
    const t = await startRelay({ boardDir: pageDir() });
    for (const [path, type, start] of [
      ['/board', 'text/html; charset=utf-8', '<!doctype html>'],
      ['/board/', 'text/html; charset=utf-8', '<!doctype html>'],
      ['/board/index.html', 'text/html; charset=utf-8', '<!doctype html>'],
      ['/board/app.js', 'text/javascript; charset=utf-8', 'console.log'],
      ['/board/app.css', 'text/css; charset=utf-8', 'body{}'],
    ]) {
      const res = await fetch(t.relay.url + path!);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe(type);
      for (const [name, value] of Object.entries(BOARD_PAGE_HEADERS)) expect(res.headers.get(name), name).toBe(value);
      expect((await res.text()).startsWith(start!)).toBe(true);
    }
    expect(BOARD_PAGE_HEADERS['content-security-policy']).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
    expect((await fetch(`${t.relay.url}/board/..%2Frelay.db`)).status).toBe(404);
    expect((await fetch(`${t.relay.url}/board/other.js`)).status).toBe(404);
    expect((await fetch(`${t.relay.url}/board/`, { method: 'POST' })).status).toBe(405);
  });

  it('503 naming the build when the page is not built', async () => {
    const t = await startRelay({ boardDir: join(tempDir(), 'missing') });
    for (const path of ['/board', '/board/app.js']) {
      const res = await t.get(path);
      expect([res.status, res.json]).toEqual([503, { error: 'the board page is not built: npm run build -w relay' }]);
    }
  });
});

describe('Redis: several relay processes, one board', () => {
  let redis: RedisUnderTest | undefined;
  let db = 0;
  beforeAll(async () => {
    redis = await startRedis();
  }, 60_000);
  afterAll(async () => {
    await redis?.stop();
  });
  const pair = async () => {
    const url = `${redis!.url}/${++db}`;
    const opts = { redisUrl: url, presenceTiming: { heartbeatMs: 100, ttlMs: 400 } };
    return { url, one: await startRelay(opts), two: await startRelay(opts) };
  };

  it("a webhook to one process and an agent's socket to the other both show on either's board", async () => {
    const { one, two } = await pair();
    const s = await openStream(two, bearer(supervisor().token));
    await s.next((f) => f.event === 'snapshot', 'the snapshot');
    expect((await one.post(AGENT_STATUS_WEBHOOK_PATH, statusHook(A, 'pause', 'Lunch'))).status).toBe(200);
    await s.next((f) => f.event === 'agent' && f.data.substatus === 'Lunch', 'the status stored through the other process');
    const ws = await connect(one.relay.wsUrl, { type: 'hello', token: one.tokenFor(A), after: 0 });
    await s.next((f) => f.event === 'agent' && f.data.connected === true, 'connected to the other process');
    expect((await two.get('/api/board', bearer(supervisor().token))).json.agents[0].connected).toBe(true);
    ws.close();
    await s.next((f) => f.event === 'agent' && f.data.connected === false, 'gone from the other process');
  });

  it('a process that stops without a word drops out once its presence expires', async () => {
    const { url, two } = await pair();
    await two.post(AGENT_STATUS_WEBHOOK_PATH, statusHook(A, 'online'));
    const s = await openStream(two, bearer(supervisor().token));
    await s.next((f) => f.event === 'snapshot', 'the snapshot');
    // A process as another relay writes it, which then never rewrites it.
    const raw = new Redis(url);
    await raw.multi().hset('sb:presence:ghost', '_v', '1', A, '1').pexpire('sb:presence:ghost', 400).exec();
    await s.next((f) => f.event === 'agent' && f.data.connected === true, 'connected through the silent process');
    await s.next((f) => f.event === 'agent' && f.data.connected === false, 'its presence expired');
    await raw.quit();
  });
});
