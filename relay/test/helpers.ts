// Shared fixtures for relay integration tests: an in-process relay on port 0 with a real
// SQLite file in a temp dir, captured log lines, and a websocket client that queues frames.
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import WebSocket from 'ws';
import { issueRelayToken } from '../src/auth';
import { createRelay, type Relay, type RelayOptions } from '../src/relay';
import type { NewEvent } from '../src/store';

export const SECRET = 'test-secret-0123456789abcdef0123456789abcdef';
/** The relay's CLI as `npm run relay` starts it, found from here whatever folder the tests run in. */
export const RELAY_CLI = ['--import', 'tsx', resolve(import.meta.dirname, '../src/cli.ts')];
export const WEBHOOK_TOKEN = 'snapengage-webhook-token-for-tests';

export interface TestRelay {
  relay: Relay;
  dir: string;
  dbPath: string;
  logs: string[];
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<{ status: number; json: any }>;
  get(path: string, headers?: Record<string, string>): Promise<{ status: number; json: any; text: string }>;
  tokenFor(agent: string, ttlDays?: number): string;
  close(): Promise<void>;
}

const cleanups: Array<() => Promise<void> | void> = [];
/** Call from afterEach: closes every relay, client and temp dir the test made. */
export async function cleanup(): Promise<void> {
  for (const c of cleanups.splice(0).reverse()) await c();
}

export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'relay-test-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export async function startRelay(opts: Partial<RelayOptions> & { dir?: string } = {}): Promise<TestRelay> {
  const dir = opts.dir ?? tempDir();
  const dbPath = opts.dbPath ?? join(dir, 'relay.db');
  const logs: string[] = [];
  const relay = await createRelay({
    port: 0,
    dbPath,
    webhookToken: WEBHOOK_TOKEN,
    secret: SECRET,
    logLevel: 'debug',
    logDestination: { write: (line: string) => void logs.push(line) },
    ...opts,
  });
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await relay.close();
  };
  cleanups.push(close);
  return {
    relay,
    dir,
    dbPath,
    logs,
    close,
    async post(path, body, headers = {}) {
      const res = await fetch(relay.url + path, {
        method: 'POST',
        headers: { authorization: WEBHOOK_TOKEN, 'content-type': 'application/json', ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, json: text ? JSON.parse(text) : undefined };
    },
    async get(path, headers = {}) {
      const res = await fetch(relay.url + path, { headers });
      const text = await res.text();
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      return { status: res.status, json, text };
    },
    tokenFor: (agent, ttlDays) => issueRelayToken(SECRET, agent, { ttlDays }).token,
  };
}

/** An event as the store takes it: an `assigned` for one agent (the SQLite store's tests). */
export const newEvent = (id: string, agent = 'alice@example.com'): NewEvent => ({
  id,
  agent,
  kind: 'assigned',
  at: '2025-11-24T16:00:00.000Z',
  data: { conversationId: id },
});

let eventCounter = 0;
/** A canonical conversation event per the contract (sandbox-independent). */
export function assigned(agent: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const n = ++eventCounter;
  return {
    event: 'conversation_assigned',
    eventId: `evt-${process.pid}-${n}-${Math.random().toString(36).slice(2, 8)}`,
    timestamp: 1_764_000_000_000 + n,
    widgetId: 'w-1',
    conversation: { id: `conv-${n}`, requesterName: 'Sam', description: 'Where is my order?' },
    agent: { id: agent, alias: agent.split('@')[0] },
    ...extra,
  };
}

export interface TestClient {
  ws: WebSocket;
  frames: any[];
  /** Resolves with the next frame (or rejects after a timeout). */
  next(timeoutMs?: number): Promise<any>;
  /** Waits until `count` event frames arrived in total. */
  events(count: number, timeoutMs?: number): Promise<any[]>;
  closed: Promise<{ code: number; reason: string }>;
  close(): void;
}

export async function connect(url: string, hello?: Record<string, unknown> | string, opts: { origin?: string } = {}): Promise<TestClient> {
  const ws = new WebSocket(url, opts.origin ? { origin: opts.origin } : {});
  const frames: any[] = [];
  const waiters: Array<() => void> = [];
  ws.on('message', (data) => {
    frames.push(JSON.parse(String(data)));
    for (const w of waiters.splice(0)) w();
  });
  const closed = new Promise<{ code: number; reason: string }>((settle) =>
    ws.on('close', (code, reason) => {
      settle({ code, reason: String(reason) });
      for (const w of waiters.splice(0)) w();
    }),
  );
  ws.on('error', () => undefined);
  cleanups.push(() => ws.terminate());
  await new Promise<void>((opened, reject) => {
    ws.once('open', () => opened());
    ws.once('error', reject);
  });
  if (hello !== undefined) ws.send(typeof hello === 'string' ? hello : JSON.stringify(hello));
  let read = 0;
  const waitFor = async (pred: () => boolean, timeoutMs: number, what: string) => {
    const deadline = Date.now() + timeoutMs;
    while (!pred()) {
      if (Date.now() > deadline || ws.readyState === WebSocket.CLOSED)
        throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(frames)}`);
      await new Promise<void>((r) => {
        waiters.push(r);
        setTimeout(r, 50);
      });
    }
  };
  return {
    ws,
    frames,
    closed,
    close: () => ws.close(),
    async next(timeoutMs = 3000) {
      await waitFor(() => frames.length > read, timeoutMs, 'a frame');
      return frames[read++];
    },
    async events(count, timeoutMs = 5000) {
      const evs = () => frames.filter((f) => f.type === 'event');
      await waitFor(() => evs().length >= count, timeoutMs, `${count} events`);
      return evs();
    },
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Posts bodies with bounded concurrency (a thousand parallel fetches mostly measure connection setup). */
export async function postMany(t: TestRelay, path: string, bodies: unknown[], concurrency = 16): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < bodies.length) {
      const res = await t.post(path, bodies[next++]);
      if (res.status !== 200) throw new Error(`post failed: ${res.status} ${JSON.stringify(res.json)}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/**
 * One HTTP request from a chosen local address: on Linux every 127.x.y.z is loopback, so binding
 * the client to 127.0.0.2 stands in for a second machine (fetch cannot pick its source address).
 */
export function requestFrom(
  url: string,
  path: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string; localAddress?: string } = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; json: any }> {
  return new Promise((answered, reject) => {
    const req = httpRequest(
      url + path,
      { method: opts.method ?? 'POST', headers: opts.headers, localAddress: opts.localAddress, agent: false },
      (res) => {
        let text = '';
        res.on('data', (c) => {
          text += c;
        });
        res.on('end', () => answered({ status: res.statusCode!, headers: res.headers, json: text ? JSON.parse(text) : undefined }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** A webhook POST with the given token from a chosen local address. */
export const webhookFrom = (
  url: string,
  localAddress: string,
  token: string,
  body: unknown = assigned('alice@example.com'),
  headers: Record<string, string> = {},
) =>
  requestFrom(url, '/snapengage/conversation-events', {
    localAddress,
    headers: { authorization: token, 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
