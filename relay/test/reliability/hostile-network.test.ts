// Hostile network input over raw TCP against a relay child process: upgrades to unknown paths and
// h2c upgrades cut by a reset, websocket handshakes reset before hello, authenticated webhook bodies
// cut by a reset, hundreds of sockets that never say hello, slow headers (slowloris), random bytes,
// oversized headers. After each: the process is up, /healthz answers 200, and a valid webhook is
// stored and delivered to an agent that has been connected all along.
//
// Every attacker uses its own loopback address (127.0.x.y; all of 127/8 is loopback on Linux), as
// a second machine would; the agent and the webhooks come from 127.0.0.1. Every loop is bounded.
import { randomBytes } from 'node:crypto';
import { connect as tcpConnect, type Socket } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import WebSocket from 'ws';
import { issueRelayToken } from '../../src/auth';
import {
  ALL_LOG_LINES,
  conversationEvent,
  ISSUED_TOKENS,
  RelayProcess,
  report,
  SECRET,
  secretsInLogs,
  sleep,
  WEBHOOK_TOKEN,
} from './harness';

const AGENT = 'steady@example.com';
let relay: RelayProcess;
let agent: { ws: WebSocket; ids: Set<string>; closed: boolean };
let checks = 0;
const rows: Record<string, string | number>[] = [];

beforeAll(async () => {
  relay = new RelayProcess({ RELAY_LOG_LEVEL: 'info' });
  await relay.start();
  const token = issueRelayToken(SECRET, AGENT).token;
  ISSUED_TOKENS.push(token);
  const ws = new WebSocket(relay.wsUrl);
  agent = { ws, ids: new Set(), closed: false };
  ws.on('error', () => undefined);
  ws.on('close', () => {
    agent.closed = true;
  });
  await new Promise<void>((resolve, reject) => {
    ws.on('message', (d) => {
      const f = JSON.parse(String(d));
      if (f.type === 'welcome') resolve();
      if (f.type === 'event') agent.ids.add(f.id);
    });
    ws.on('open', () => ws.send(JSON.stringify({ type: 'hello', token, after: 0 })));
    ws.on('close', () => reject(new Error('agent refused')));
  });
});

afterAll(async () => {
  agent?.ws.terminate();
  await relay?.dispose();
  if (rows.length) console.table(rows);
  // No token or secret in any log line; no line at error level (a client's misbehaviour is not the relay's error).
  expect(secretsInLogs()).toEqual([]);
  expect(ALL_LOG_LINES.filter((l) => /"level":(50|60)/.test(l) || /Unhandled|uncaught/i.test(l))).toEqual([]);
});

/** The relay is up, /healthz answers 200, and a new webhook is stored (200) and reaches the agent. */
async function expectServing(after: string): Promise<number> {
  expect(relay.child!.exitCode, `relay exited after ${after}`).toBeNull();
  expect(relay.child!.signalCode, `relay killed after ${after}`).toBeNull();
  expect((await fetch(`${relay.url}/healthz`)).status, `healthz after ${after}`).toBe(200);
  const id = `probe-${++checks}`;
  const t0 = performance.now();
  const res = await fetch(`${relay.url}/snapengage/conversation-events`, {
    method: 'POST',
    headers: { authorization: WEBHOOK_TOKEN, 'content-type': 'application/json' },
    body: JSON.stringify(conversationEvent(AGENT, id, checks)),
  });
  expect(res.status, `webhook after ${after}`).toBe(200);
  await res.arrayBuffer();
  for (let i = 0; i < 500 && !agent.ids.has(id) && !agent.closed; i++) await sleep(10);
  expect(agent.closed, `agent socket closed by ${after}`).toBe(false);
  expect(agent.ids.has(id), `probe delivered after ${after}`).toBe(true);
  return Math.round(performance.now() - t0);
}

interface Raw {
  socket: Socket;
  /** Everything the relay sent. */
  data: () => Buffer;
  /** Resolves when the relay's first bytes arrive (or the socket closes). */
  answered: Promise<void>;
  closed: Promise<void>;
  connected: Promise<void>;
}

function raw(localAddress: string): Raw {
  const socket = tcpConnect({ port: relay.port, host: '127.0.0.1', localAddress });
  const chunks: Buffer[] = [];
  socket.on('error', () => undefined);
  let onAnswer!: () => void;
  const answered = new Promise<void>((r) => {
    onAnswer = r;
  });
  socket.on('data', (d: Buffer) => {
    chunks.push(d);
    onAnswer();
  });
  const closed = new Promise<void>((r) => socket.on('close', () => r()));
  void closed.then(onAnswer);
  const connected = new Promise<void>((r) => {
    socket.once('connect', () => r());
    void closed.then(() => r());
  });
  return { socket, data: () => Buffer.concat(chunks), answered, closed, connected };
}

/** The status of the relay's HTTP answer, or 'none' when it closed without one. */
const statusOf = (b: Buffer) => /^HTTP\/1\.1 (\d{3})/.exec(b.toString('latin1'))?.[1] ?? 'none';
const tallyOf = (xs: string[]) =>
  [...xs.reduce((m, x) => m.set(x, (m.get(x) ?? 0) + 1), new Map<string, number>())]
    .sort()
    .map(([k, v]) => `${k}:${v}`)
    .join(',');
/** Runs `n` tasks, `concurrency` at a time. */
async function pool(n: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) await task(next++);
    }),
  );
}
const reset = (s: Socket) => (s.destroyed ? undefined : s.resetAndDestroy());

function record(title: string, figures: Record<string, string | number>): void {
  report(`hostile network: ${title}`, figures);
  rows.push({ case: title, ...figures });
}

// Deterministic, so a failure can be replayed.
let seed = 1326;
const rnd = () => {
  seed = (seed * 1_103_515_245 + 12_345) & 0x7f_ff_ff_ff;
  return seed / 0x7f_ff_ff_ff;
};

const WS_KEY = 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n';

it('upgrades to unknown paths, then a TCP reset at every stage (the request that used to end the process)', async () => {
  const N = 300;
  const statuses: string[] = [];
  await pool(N, 50, async (i) => {
    const c = raw(`127.0.10.${1 + (i % 4)}`);
    await c.connected;
    c.socket.write(`GET /anything-${i} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n${i % 2 ? WS_KEY : ''}\r\n`);
    // Reset at once, a moment later, or after the answer has started arriving.
    if (i % 3 === 0) reset(c.socket);
    else if (i % 3 === 1) setImmediate(() => reset(c.socket));
    else await c.answered.then(() => reset(c.socket));
    await c.closed;
    statuses.push(statusOf(c.data()));
  });
  const ms = await expectServing('unknown-path upgrades + resets');
  record('unknown-path upgrade + reset', { sockets: N, answers: tallyOf(statuses), probeMs: ms });
});

it('h2c upgrades (to /, /ws and a webhook path), then a TCP reset', async () => {
  const N = 300;
  const paths = ['/', '/ws', '/snapengage/conversation-events'];
  const statuses: string[] = [];
  await pool(N, 50, async (i) => {
    const c = raw(`127.0.11.${1 + (i % 4)}`);
    await c.connected;
    const method = paths[i % 3]!.startsWith('/snapengage') ? 'POST' : 'GET';
    c.socket.write(
      `${method} ${paths[i % 3]} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n`,
    );
    if (i % 2 === 0) setImmediate(() => reset(c.socket));
    else await c.answered.then(() => reset(c.socket));
    await c.closed;
    statuses.push(statusOf(c.data()));
  });
  const ms = await expectServing('h2c upgrades + resets');
  record('h2c upgrade + reset', { sockets: N, answers: tallyOf(statuses), probeMs: ms });
});

it('websocket handshakes reset before the hello (before or after the 101)', async () => {
  const N = 200;
  const statuses: string[] = [];
  // Four addresses of 50 each: under the default failed-attempt allowance (60/min), so every one
  // reaches the handshake rather than an early 429.
  await pool(N, 50, async (i) => {
    const c = raw(`127.0.12.${1 + (i % 4)}`);
    await c.connected;
    c.socket.write(`GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n${WS_KEY}\r\n`);
    if (i % 2 === 0) setImmediate(() => reset(c.socket));
    else await c.answered.then(() => reset(c.socket));
    await c.closed;
    statuses.push(statusOf(c.data()));
  });
  const ms = await expectServing('handshakes reset before hello');
  expect(statuses.filter((s) => s === '101').length).toBeGreaterThan(0);
  record('handshake, reset before hello', { sockets: N, answers: tallyOf(statuses), probeMs: ms });
});

it('authenticated webhook bodies cut by a TCP reset: nothing stored from them, nothing logged as a relay error', async () => {
  const N = 200;
  const before = ALL_LOG_LINES.length;
  await pool(N, 50, async (i) => {
    const c = raw(`127.0.13.${1 + (i % 4)}`);
    await c.connected;
    const body = JSON.stringify(conversationEvent(AGENT, `cut-${i}`, i));
    const cut = Math.floor(rnd() * (body.length - 1));
    c.socket.write(
      `POST /snapengage/conversation-events HTTP/1.1\r\nHost: x\r\nAuthorization: ${WEBHOOK_TOKEN}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, cut)}`,
    );
    if (i % 2 === 0) reset(c.socket);
    else setTimeout(() => reset(c.socket), rnd() * 20);
    await c.closed;
  });
  const ms = await expectServing('cut webhook bodies');
  // The probe was stored after them, so anything stored from a cut body would have reached the agent first.
  const stored = [...agent.ids].filter((id) => id.startsWith('cut-'));
  expect(stored).toEqual([]);
  const errors = ALL_LOG_LINES.slice(before).filter((l) => /"level":(50|60)/.test(l));
  expect(errors).toEqual([]);
  record('authenticated body cut by reset', { sockets: N, stored: stored.length, errorLogLines: errors.length, probeMs: ms });
});

it('hundreds of websockets that never say hello: capped per address, closed 4408 after 10 s; the agent and webhooks are served meanwhile', async () => {
  const N = 400;
  const socks: Raw[] = [];
  const rssBefore = relay.rssBytes();
  const t0 = performance.now();
  // From one address: up to the per-address cap (256 by default) are accepted, the rest refused.
  await pool(N, 100, async () => {
    const c = raw('127.0.14.1');
    socks.push(c);
    await c.connected;
    c.socket.write(`GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n${WS_KEY}\r\n`);
    await c.answered;
  });
  const statuses = socks.map((c) => statusOf(c.data()));
  const held = statuses.filter((s) => s === '101').length;
  expect(held, tallyOf(statuses)).toBe(256);
  expect(statuses.filter((s) => s === '429').length).toBe(N - held);
  // While they are held: webhooks reach the agent, and a new agent from another address gets in.
  const ms = await expectServing('sockets waiting for hello');
  const newcomer = issueRelayToken(SECRET, 'newcomer@example.com').token;
  ISSUED_TOKENS.push(newcomer);
  const welcomed = await new Promise<boolean>((resolve) => {
    const ws = new WebSocket(relay.wsUrl);
    ws.on('error', () => resolve(false));
    ws.on('open', () => ws.send(JSON.stringify({ type: 'hello', token: newcomer, after: 0 })));
    ws.on('message', (d) => {
      resolve(JSON.parse(String(d)).type === 'welcome');
      ws.close();
    });
  });
  expect(welcomed).toBe(true);
  const rssHeld = relay.rssBytes();
  // The relay closes each with 4408 once its 10 s are up. Its frames after the 101 are small and
  // unmasked (a ping may come first): opcode, length, payload; a close carries its code first.
  const closedWith4408 = (c: Raw) => {
    const b = c.data();
    for (let at = b.indexOf('\r\n\r\n') + 4; at + 1 < b.length; at += 2 + (b[at + 1]! & 0x7f)) {
      if ((b[at]! & 0x0f) === 0x8) return b.length >= at + 4 && b.readUInt16BE(at + 2) === 4408;
    }
    return false;
  };
  const accepted = socks.filter((c) => statusOf(c.data()) === '101');
  let gone = 0;
  for (const c of accepted) void c.closed.then(() => gone++);
  for (let i = 0; i < 300 && !accepted.every(closedWith4408); i++) await sleep(100);
  const all4408Ms = Math.round(performance.now() - t0);
  expect(accepted.filter(closedWith4408).length).toBe(held);
  // They never answer the close frame; the relay drops the connections anyway (soon, not after ws's 30 s).
  for (let i = 0; i < 100 && gone < held; i++) await sleep(100);
  const allGoneMs = Math.round(performance.now() - t0);
  expect(gone).toBe(held);
  for (const c of socks) c.socket.destroy();
  record('sockets that never say hello', {
    sockets: N,
    answers: tallyOf(statuses),
    closed4408: held,
    all4408AfterMs: all4408Ms,
    allDroppedAfterMs: allGoneMs,
    rssBeforeMB: (rssBefore / 2 ** 20).toFixed(0),
    rssHeldMB: (rssHeld / 2 ** 20).toFixed(0),
    probeMs: ms,
  });
});

it('slow headers (slowloris): each connection is answered 408 and closed once its 10 s are up', async () => {
  const N = 200;
  const started = performance.now();
  const cutAfter: number[] = [];
  const statuses: string[] = [];
  let stop = false;
  let probeMs = 0;
  const run = pool(N, N, async (i) => {
    const c = raw(`127.0.15.${1 + (i % 2)}`);
    await c.connected;
    const t0 = performance.now();
    c.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ');
    let closed = false;
    void c.closed.then(() => {
      closed = true;
    });
    // One header byte a second; bounded at 25 s (the relay promises to cut it after 10 s).
    for (let n = 0; n < 25 && !closed && !stop; n++) {
      await Promise.race([sleep(1000), c.closed]);
      if (!closed) c.socket.write('a');
    }
    cutAfter.push(closed ? performance.now() - t0 : Number.POSITIVE_INFINITY);
    statuses.push(statusOf(c.data()));
    c.socket.destroy();
  });
  // Meanwhile the relay serves.
  await sleep(2000);
  probeMs = await expectServing('slow headers (during)');
  await run;
  stop = true;
  await expectServing('slow headers');
  cutAfter.sort((a, b) => a - b);
  record('slow headers (slowloris)', {
    sockets: N,
    answers: tallyOf(statuses),
    cutAfterMinS: (cutAfter[0]! / 1000).toFixed(1),
    cutAfterMaxS: (cutAfter.at(-1)! / 1000).toFixed(1),
    probeMs,
    totalS: ((performance.now() - started) / 1000).toFixed(1),
  });
  expect(cutAfter.at(-1)).toBeLessThan(25_000);
  expect(cutAfter[0]).toBeGreaterThanOrEqual(9000);
  expect(statuses.every((s) => s === '408')).toBe(true);
}, 60_000);

it('random bytes: answered 400 or closed, never a crash', async () => {
  const N = 300;
  const statuses: string[] = [];
  await pool(N, 50, async (i) => {
    const c = raw(`127.0.16.${1 + (i % 4)}`);
    await c.connected;
    // Pure noise, or noise after a plausible start (so the parser gets further in).
    const noise = randomBytes(1 + Math.floor(rnd() * 4096));
    const prefix = [
      '',
      'GET / HTTP/1.1\r\n',
      'POST /snapengage/conversation-events HTTP/1.1\r\nContent-Length: 5\r\n',
      'GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n',
    ][i % 4]!;
    c.socket.write(Buffer.concat([Buffer.from(prefix), noise]));
    if (i % 3 === 0) setTimeout(() => reset(c.socket), rnd() * 10);
    else c.socket.end();
    // A request the noise happened to leave unfinished is cut by the header timeout (10 s); do not wait for it.
    await Promise.race([c.closed, sleep(3000)]);
    statuses.push(c.socket.destroyed || statusOf(c.data()) !== 'none' ? statusOf(c.data()) : 'open');
    c.socket.destroy();
  });
  const ms = await expectServing('random bytes');
  expect(statuses.filter((s) => !['400', 'none', 'open', '404', '408'].includes(s))).toEqual([]);
  record('random bytes', { sockets: N, answers: tallyOf(statuses), probeMs: ms });
});

it('oversized headers (one 20 KB header, or 2,000 small ones; plain and upgrade requests): 431', async () => {
  const N = 100;
  const statuses: string[] = [];
  await pool(N, 25, async (i) => {
    const c = raw(`127.0.17.${1 + (i % 4)}`);
    await c.connected;
    const big = i % 2 ? `X-Big: ${'a'.repeat(20 * 1024)}\r\n` : Array.from({ length: 2000 }, (_, n) => `X-H${n}: vvvvvvvv\r\n`).join('');
    const start =
      i % 4 < 2
        ? 'GET /healthz HTTP/1.1\r\nHost: x\r\n'
        : `GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n${WS_KEY}`;
    c.socket.write(`${start + big}\r\n`);
    await c.closed;
    statuses.push(statusOf(c.data()));
  });
  const ms = await expectServing('oversized headers');
  // The answer can be lost to the reset when the relay closes with part of the request still unread.
  expect(statuses.filter((s) => s !== '431' && s !== 'none')).toEqual([]);
  expect(statuses.filter((s) => s === '431').length).toBeGreaterThan(0);
  record('oversized headers', { sockets: N, answers: tallyOf(statuses), probeMs: ms });
});

it('after all of it: still the same process, every probe delivered once, the agent never dropped', async () => {
  expect(relay.starts).toBe(1);
  await expectServing('the whole suite');
  expect(agent.closed).toBe(false);
  expect([...agent.ids].filter((id) => id.startsWith('probe-'))).toHaveLength(checks);
  record('whole suite', { probes: checks, relayStarts: relay.starts, agentDropped: 0, rssMB: (relay.rssBytes() / 2 ** 20).toFixed(0) });
});
