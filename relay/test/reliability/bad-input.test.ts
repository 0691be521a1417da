// Fuzzing and bad input against a relay child process: malformed webhooks (only 4xx, or 202 for
// well-formed JSON the adapter cannot read, which is quarantined; no crash; the heap after a full collection
// back where it was, RSS bounded), malformed websocket frames (closed with a code, relay unaffected), and a
// stuck client (bounded buffer, 4508, resumes; others not slowed).
import { mkdtempSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import WebSocket from 'ws';
import { adaptConversationEvent } from '../../src/snapengage/webhook-adapter';
import { issueRelayToken } from '../../src/auth';
import { conversationEvent, RelayProcess, report, SECRET, sleep, WEBHOOK_TOKEN } from './harness';
import { secretsInLogs } from './harness';

afterAll(() => {
  // Every log line the relay children wrote in this file: no token, no secret.
  expect(secretsInLogs()).toEqual([]);
});

let relay: RelayProcess;
beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-reliability-'));
  relay = new RelayProcess({ RELAY_LOG_LEVEL: 'warn', MEMORY_PROBE_FILE: join(dir, 'memory.json') }, dir, [
    '--expose-gc',
    // V8 frees dead ArrayBuffers' memory on a background thread after a collection; read right after
    // gc() on a busy machine, `external` still counted ~12 MB of buffers already dead. Swept on the main
    // thread, the probe's reading is what the relay still holds.
    '--no-concurrent-array-buffer-sweeping',
    '--import',
    join(import.meta.dirname, 'memory-probe.ts'),
  ]);
  await relay.start();
});
afterAll(async () => {
  await relay?.dispose();
});

// Deterministic pseudo-random generator so a failure can be replayed.
let seed = 20_251_126;
const rnd = () => {
  seed = (seed * 1_103_515_245 + 12_345) & 0x7f_ff_ff_ff;
  return seed / 0x7f_ff_ff_ff;
};
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
const WEIRD = [null, true, 0, -1, 1e308, 'x', '', [], {}, [[[]]], { a: { b: {} } }, '\u0000', '💥'.repeat(50)];

function mutate(): { body: Buffer | string; headers: Record<string, string>; kind: string } {
  const good = conversationEvent('fuzz@example.com', `f-${rnd()}`, 1) as Record<string, any>;
  const json = { authorization: WEBHOOK_TOKEN, 'content-type': 'application/json' };
  // Big bodies (huge strings, over the size limit) are 1 in 50 each: enough to test, cheap enough to run.
  const r = rnd();
  const k = r < 0.02 ? 2 : r < 0.04 ? 8 : [0, 1, 3, 4, 5, 6, 7, 9][Math.floor(rnd() * 8)]!;
  switch (k) {
    case 0: {
      // wrong type for one field
      const key = pick(['event', 'eventId', 'timestamp', 'conversation', 'agent']);
      return {
        body: JSON.stringify({ ...good, [key]: pick(WEIRD.filter((w) => typeof w !== 'string' || key === 'timestamp')) }),
        headers: json,
        kind: 'wrong type',
      };
    }
    case 1: {
      const key = pick(['event', 'eventId', 'conversation', 'agent']);
      delete good[key];
      return { body: JSON.stringify(good), headers: json, kind: 'missing field' };
    }
    case 2:
      return {
        body: JSON.stringify({ ...good, timestamp: 'x'.repeat(200_000 + Math.floor(rnd() * 900_000)) }),
        headers: json,
        kind: 'huge string',
      };
    case 3: {
      const depth = 1000 + Math.floor(rnd() * 50_000);
      return { body: '['.repeat(depth) + ']'.repeat(rnd() < 0.5 ? depth : 0), headers: json, kind: 'deep nesting' };
    }
    case 4: {
      const text = Buffer.from(JSON.stringify(good));
      for (let i = 0; i < 5; i++) text[Math.floor(rnd() * text.length)] = pick([0xff, 0xfe, 0xc0, 0x80, 0xed]);
      return { body: text, headers: json, kind: 'invalid utf-8' };
    }
    case 5:
      return {
        body: JSON.stringify(good),
        headers: {
          authorization: WEBHOOK_TOKEN,
          'content-type': pick(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data', '', 'application/jsonx']),
        },
        kind: 'wrong content type',
      };
    case 6: {
      const s = JSON.stringify(good);
      return { body: s.slice(0, Math.floor(rnd() * (s.length - 1))), headers: json, kind: 'truncated JSON' };
    }
    case 7:
      return {
        body: JSON.stringify(good),
        headers: { 'content-type': 'application/json', authorization: pick(['', 'Bearer', 'wrong', `${WEBHOOK_TOKEN}x`]) },
        kind: 'bad webhook token',
      };
    case 8:
      return { body: 'x'.repeat(1024 * 1024 + 1 + Math.floor(rnd() * 1000)), headers: json, kind: 'too large' };
    default:
      return { body: JSON.stringify(pick(WEIRD)), headers: json, kind: 'not an object' };
  }
}

/** A raw request whose body is cut short (Content-Length larger than sent) or sent slowly. */
function rawRequest(port: number, mode: 'truncated' | 'slow'): Promise<number | 'hung up'> {
  return new Promise((resolve) => {
    const sock = tcpConnect(port, '127.0.0.1');
    const body = '{"event":"conversation_assigned","eventId":';
    sock.on('connect', async () => {
      sock.write(
        `POST /snapengage/conversation-events HTTP/1.1\r\nHost: x\r\nAuthorization: ${WEBHOOK_TOKEN}\r\nContent-Type: application/json\r\nContent-Length: ${mode === 'truncated' ? 5000 : body.length}\r\n\r\n`,
      );
      if (mode === 'truncated') {
        sock.write(body);
        await sleep(50);
        sock.end();
      } else {
        for (const ch of body.match(/.{1,8}/g)!) {
          sock.write(ch);
          await sleep(40);
        }
      }
    });
    let data = '';
    sock.on('data', (d) => {
      data += d;
    });
    sock.on('close', () => resolve(/^HTTP\/1\.1 (\d{3})/.test(data) ? Number(/^HTTP\/1\.1 (\d{3})/.exec(data)![1]) : 'hung up'));
    sock.on('error', () => undefined);
  });
}

it('10,000 malformed webhooks: only 4xx (202 quarantined for JSON the adapter cannot read), no crash, nothing kept', async () => {
  const TOTAL = 10_000;
  const statuses = new Map<string, number>();
  const kinds = new Map<string, number>();
  const count = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  // warm up, then baseline
  for (let i = 0; i < 200; i++) await fetch(`${relay.url}/healthz`).then((r) => r.arrayBuffer());
  const baseline = relay.rssBytes();
  const heapBaseline = await relay.heapAfterGc();
  let peak = baseline;
  let sent = 0;
  const worker = async () => {
    while (sent < TOTAL) {
      sent++;
      const m = mutate();
      count(kinds, m.kind);
      try {
        const res = await fetch(`${relay.url}/snapengage/conversation-events`, {
          method: 'POST',
          headers: m.headers,
          body: typeof m.body === 'string' ? m.body : new Uint8Array(m.body),
        });
        await res.arrayBuffer();
        count(statuses, String(res.status));
        // Oracle: a body the webhook adapter itself accepts is a valid event (the contract is lenient
        // about optional fields), so a 200 is right for it; well-formed JSON within the size limit that
        // it cannot read is kept in the quarantine (202); everything else must be a 4xx.
        let expected: 'valid' | 'quarantined' | 'refused' = 'refused';
        try {
          if (
            typeof m.body === 'string' &&
            m.headers['content-type'] === 'application/json' &&
            m.headers.authorization === WEBHOOK_TOKEN &&
            Buffer.byteLength(m.body) <= 1024 * 1024
          )
            expected = adaptConversationEvent(JSON.parse(m.body)).ok ? 'valid' : 'quarantined';
        } catch {
          expected = 'refused';
        }
        if (expected === 'valid') count(statuses, `valid-${res.status}`);
        else if (expected === 'quarantined') count(statuses, `quarantined-${res.status}`);
        else if (res.status < 400 || res.status >= 500) count(statuses, `${res.status} from ${m.kind}`);
      } catch {
        count(statuses, 'connection closed');
      }
      if (sent % 500 === 0) peak = Math.max(peak, relay.rssBytes());
    }
  };
  const rawOnes = Promise.all(Array.from({ length: 40 }, (_, i) => rawRequest(relay.port, i % 2 ? 'slow' : 'truncated')));
  await Promise.all(Array.from({ length: 16 }, worker));
  const raw = await rawOnes;
  for (const r of raw) count(statuses, `raw ${r}`);
  await sleep(2000);
  const after = relay.rssBytes();
  const heapAfter = await relay.heapAfterGc();
  const health = await fetch(`${relay.url}/healthz`);
  report('fuzzed webhooks', {
    sent: TOTAL + raw.length,
    statuses: [...statuses].map(([k, v]) => `${k}:${v}`).join(','),
    kinds: kinds.size,
    rssBaselineMB: (baseline / 2 ** 20).toFixed(0),
    rssPeakMB: (peak / 2 ** 20).toFixed(0),
    rssAfterMB: (after / 2 ** 20).toFixed(0),
    heapAfterGcMB: `${(heapBaseline.heapUsed / 2 ** 20).toFixed(0)}→${(heapAfter.heapUsed / 2 ** 20).toFixed(0)}`,
    externalMB: `${(heapBaseline.external / 2 ** 20).toFixed(1)}→${(heapAfter.external / 2 ** 20).toFixed(1)}`,
  });
  expect(relay.child!.exitCode).toBeNull();
  expect(health.status).toBe(200);
  for (const [s] of statuses)
    expect(s, `status ${s}`).toMatch(/^(4\d\d|raw 4\d\d|raw hung up|connection closed|valid-200|200|quarantined-202|202)$/);
  expect(statuses.get('200') ?? 0).toBe(statuses.get('valid-200') ?? 0);
  expect(statuses.get('202') ?? 0).toBe(statuses.get('quarantined-202') ?? 0);
  expect(statuses.get('connection closed') ?? 0).toBeLessThan(TOTAL / 100);
  // Nothing kept: V8's heap after a full collection (and the memory outside it that JavaScript objects
  // hold) back within 8 MB of where it was; a kilobyte kept per request would be 10 MB.
  expect(heapAfter.heapUsed + heapAfter.external - (heapBaseline.heapUsed + heapBaseline.external)).toBeLessThan(8 * 2 ** 20);
  // RSS, bounded: the allocators keep freed memory for reuse. Node 24 holds 100–125 MB more after this
  // round than at rest (Node 20 held ~50 MB) with the heap after a collection as small as before, under
  // glibc's malloc and under jemalloc alike: the round's high-water mark (16 bodies of up to 1 MiB at a
  // time), not a leak. Keeping the huge bodies (1 in 50) natively would take ~200 MB.
  expect(after - baseline).toBeLessThan(200 * 2 ** 20);
}, 120_000);

it('malformed websocket frames and hellos: closed with a code and reason; the relay is unaffected', async () => {
  const good = issueRelayToken(SECRET, 'ws-fuzz@example.com').token;
  const cases: [string, (ws: WebSocket) => void][] = [
    ['not JSON', (client) => client.send('{nope')],
    ['binary', (client) => client.send(Buffer.from([1, 2, 3]))],
    ['wrong type', (client) => client.send(JSON.stringify({ type: 'subscribe', token: good }))],
    ['negative after', (client) => client.send(JSON.stringify({ type: 'hello', token: good, after: -1 }))],
    ['extra field', (client) => client.send(JSON.stringify({ type: 'hello', token: good, after: 0, admin: true }))],
    ['token too long', (client) => client.send(JSON.stringify({ type: 'hello', token: 'x'.repeat(5000), after: 0 }))],
    ['bad token', (client) => client.send(JSON.stringify({ type: 'hello', token: 'sb1.e30.AAAA', after: 0 }))],
    ['array', (client) => client.send('[]')],
    ['null', (client) => client.send('null')],
    ['deep nesting', (client) => client.send('['.repeat(30_000))],
    ['oversized frame', (client) => client.send('x'.repeat(70 * 1024))],
    [
      'second frame',
      (client) => {
        client.send(JSON.stringify({ type: 'hello', token: good, after: 0 }));
        setTimeout(() => client.send('{"type":"hello"}'), 200);
      },
    ],
  ];
  const results: string[] = [];
  for (const [name, act] of cases) {
    const ws = new WebSocket(relay.wsUrl);
    ws.on('error', () => undefined);
    await new Promise((r) => ws.once('open', r));
    const closed = new Promise<{ code: number; reason: string }>((r) =>
      ws.once('close', (closeCode, closeReason) => r({ code: closeCode, reason: String(closeReason) })),
    );
    act(ws);
    const { code, reason } = await closed;
    results.push(`${name}→${code}`);
    expect(code, name).toBeGreaterThanOrEqual(1002);
    expect(code, name).not.toBe(1006); // not a dropped connection: a close frame with a code
    if (code >= 4000) expect(reason, name).not.toBe('');
  }
  // Invalid UTF-8 in a text frame, written raw (ws refuses to send it).
  const ws = new WebSocket(relay.wsUrl);
  ws.on('error', () => undefined);
  await new Promise((r) => ws.once('open', r));
  const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
  const socket = (ws as unknown as { _socket: import('node:net').Socket })._socket;
  socket.write(Buffer.from([0x81, 0x82, 0, 0, 0, 0, 0xc3, 0x28])); // masked text frame "\xc3\x28"
  const utf8Code = await closed;
  results.push(`invalid utf-8→${utf8Code}`);
  expect(utf8Code).toBe(1007);
  report('malformed websocket frames', { cases: results.length, closes: results.join(' ') });
  // Unaffected: a good client still gets a live event.
  const c = new WebSocket(relay.wsUrl);
  const frames: any[] = [];
  c.on('message', (d) => frames.push(JSON.parse(String(d))));
  await new Promise((r) => c.once('open', r));
  c.send(JSON.stringify({ type: 'hello', token: good, after: 0 }));
  while (!frames.some((f) => f.type === 'welcome')) await sleep(20);
  const res = await fetch(`${relay.url}/snapengage/conversation-events`, {
    method: 'POST',
    headers: { authorization: WEBHOOK_TOKEN, 'content-type': 'application/json' },
    body: JSON.stringify(conversationEvent('ws-fuzz@example.com', 'after-fuzz', 1)),
  });
  expect(res.status).toBe(200);
  for (let i = 0; i < 100 && !frames.some((f) => f.id === 'after-fuzz'); i++) await sleep(20);
  expect(frames.some((f) => f.id === 'after-fuzz')).toBe(true);
  c.close();
}, 60_000);

it('a stuck client (never reads) is cut off with 4508 at a bounded buffer; others are not slowed; it resumes', async () => {
  const stuckToken = issueRelayToken(SECRET, 'stuck@example.com').token;
  const fastToken = issueRelayToken(SECRET, 'fast@example.com').token;
  const open = async (token: string) => {
    const ws = new WebSocket(relay.wsUrl);
    const frames: any[] = [];
    ws.on('message', (d) => frames.push(JSON.parse(String(d))));
    ws.on('error', () => undefined);
    await new Promise((r) => ws.once('open', r));
    ws.send(JSON.stringify({ type: 'hello', token, after: 0 }));
    while (!frames.some((f) => f.type === 'welcome')) await sleep(20);
    return { ws, frames };
  };
  const stuck = await open(stuckToken);
  const fast = await open(fastToken);
  const closed = new Promise<number>((r) => stuck.ws.once('close', (closeCode) => r(closeCode)));
  (stuck.ws as unknown as { _socket: import('node:net').Socket })._socket.pause();
  const rss0 = relay.rssBytes();
  const padding = 'p'.repeat(20 * 1024);
  const post = (agent: string, id: string) =>
    fetch(`${relay.url}/snapengage/conversation-events`, {
      method: 'POST',
      headers: { authorization: WEBHOOK_TOKEN, 'content-type': 'application/json' },
      body: JSON.stringify({ ...conversationEvent(agent, id, 1), padding }),
    }).then((r) => r.status);
  let stuckCode: number | undefined;
  void closed.then((c) => {
    stuckCode = c;
  });
  const latencies: number[] = [];
  let peak = rss0;
  let posted = 0;
  const stuckGone = async () => ((await (await fetch(`${relay.url}/healthz`)).json()) as { connectedAgents: number }).connectedAgents < 2;
  for (let i = 0; i < 1500 && stuckCode === undefined; i++) {
    if (i % 20 === 19 && (await stuckGone())) break;
    expect(await post('stuck@example.com', `s-${i}`)).toBe(200);
    posted++;
    if (i % 10 === 0) {
      const t0 = performance.now();
      const id = `f-${i}`;
      expect(await post('fast@example.com', id)).toBe(200);
      while (!fast.frames.some((f) => f.id === id)) await sleep(1);
      latencies.push(performance.now() - t0);
      peak = Math.max(peak, relay.rssBytes());
    }
  }
  // The client only learns of the close once it reads again.
  (stuck.ws as unknown as { _socket: import('node:net').Socket })._socket.resume();
  const code = await closed;
  latencies.sort((a, b) => a - b);
  const p95 = latencies[Math.floor(latencies.length * 0.95)] ?? 0;
  const again = await open(stuckToken);
  for (let i = 0; i < 300 && again.frames.filter((f) => f.type === 'event').length < posted; i++) await sleep(50);
  report('stuck client', {
    postedToStuck: posted,
    closeCode: code,
    otherClientP95ms: p95.toFixed(1),
    rssGrowthMB: ((peak - rss0) / 2 ** 20).toFixed(1),
    resumedEvents: again.frames.filter((f) => f.type === 'event').length,
  });
  expect(code).toBe(4508);
  expect(posted).toBeLessThan(1500);
  expect(p95).toBeLessThan(250);
  expect(peak - rss0).toBeLessThan(64 * 2 ** 20);
  expect(again.frames.filter((f) => f.type === 'event').map((f) => f.seq)).toEqual(
    [...again.frames.filter((f) => f.type === 'event').map((f) => f.seq)].sort((a, b) => a - b),
  );
  expect(again.frames.filter((f) => f.type === 'event')).toHaveLength(posted);
  again.ws.close();
  fast.ws.close();
}, 90_000);
