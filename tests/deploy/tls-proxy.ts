// The relay behind a real TLS proxy (nginx or Caddy, started by the test from the configuration in deploy/):
// a self-signed certificate made with openssl, HTTPS and wss:// clients that trust only it, and the
// scenarios both proxies must pass.
import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { agentStatusEvent, conversationEvent } from '../../sandbox/payloads';
import { createRelay, type Relay } from 'switchboard-relay/relay';
import { issueRelayToken, issueSupervisorToken } from 'switchboard-relay/auth';
import { expect, it } from 'vitest';
import WebSocket from 'ws';
import { tempDir } from './tools';

const SECRET = 'deploy-test-secret-0123456789abcdef0123456789';
const WEBHOOK_TOKEN = 'deploy-test-webhook-token-0123456789abcdef';
const AGENT = 'alice@example.com';

export interface Certificate {
  certPath: string;
  keyPath: string;
  pem: Buffer;
}

/** A self-signed certificate for 127.0.0.1, ::1 and localhost (openssl, as an operator would make one). */
function selfSignedCertificate(): Certificate {
  const dir = tempDir('tls');
  const certPath = join(dir, 'cert.pem');
  const keyPath = join(dir, 'key.pem');
  const r = spawnSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      keyPath,
      '-out',
      certPath,
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost',
    ],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`openssl failed: ${r.stderr}`);
  return { certPath, keyPath, pem: readFileSync(certPath) };
}

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: any;
  tlsProtocol: string | null;
  /** SHA-256 fingerprint of the certificate the server showed. */
  fingerprint: string;
}

/** One HTTPS request on a connection of its own (so `localAddress` is the client address the proxy sees). */
export function https(
  url: string,
  opts: { ca: Buffer; method?: string; headers?: Record<string, string>; body?: string; localAddress?: string },
): Promise<Answer> {
  return new Promise((done, reject) => {
    const req = request(
      url,
      { method: opts.method ?? 'GET', headers: opts.headers, ca: opts.ca, localAddress: opts.localAddress, agent: false },
      (res) => {
        const socket = res.socket as TLSSocket;
        const tlsProtocol = socket.getProtocol();
        const fingerprint = socket.getPeerCertificate().fingerprint256;
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          text += d;
        });
        res.on('error', reject);
        res.on('end', () => {
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          done({ status: res.statusCode ?? 0, headers: res.headers, text, json, tlsProtocol, fingerprint });
        });
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** A websocket client whose frames queue up until the test reads them. */
export class Client {
  private readonly frames: any[] = [];
  private readonly waiting: Array<{ resolve: (f: any) => void; reject: (e: Error) => void }> = [];
  private ended: Error | undefined;
  readonly closed: Promise<{ code: number; reason: string }>;
  readonly opened: Promise<void>;

  constructor(
    readonly ws: WebSocket,
    private readonly label: string,
  ) {
    this.opened = new Promise((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    ws.on('message', (data) => {
      const frame = JSON.parse(String(data));
      const w = this.waiting.shift();
      if (w) w.resolve(frame);
      else this.frames.push(frame);
    });
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        this.ended = new Error(`${this.label}: socket closed (${code} ${reason.toString()}) while a frame was awaited`);
        for (const w of this.waiting.splice(0)) w.reject(this.ended);
        resolve({ code, reason: reason.toString() });
      });
    });
    ws.on('error', () => undefined);
  }

  /** The next frame other than a ping. */
  async next(): Promise<any> {
    while (true) {
      const frame = await this.nextAny();
      if (frame.type !== 'ping') return frame;
    }
  }

  private nextAny(): Promise<any> {
    if (this.frames.length) return Promise.resolve(this.frames.shift());
    if (this.ended) return Promise.reject(this.ended);
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  send(frame: unknown): void {
    this.ws.send(JSON.stringify(frame));
  }
}

export function connect(url: string, ca?: Buffer): Client {
  return new Client(new WebSocket(url, ca ? { ca } : {}), url);
}

interface RelayForProxy {
  relay: Relay;
  logs: string[];
  token(agent: string): string;
}

/**
 * The relay as it runs behind the proxy: loopback, one failed attempt per client address allowed
 * (then 429), with the rate limiters' clock frozen so that no bucket refills while a test runs.
 */
async function startRelayForProxy(
  trustProxy: string[],
  cleanups: Array<() => Promise<void>>,
  more: { boardDir?: string } = {},
): Promise<RelayForProxy> {
  const logs: string[] = [];
  const relay = await createRelay({
    ...more,
    port: 0,
    host: '127.0.0.1',
    dbPath: join(tempDir('relay'), 'relay.db'),
    secret: SECRET,
    webhookToken: WEBHOOK_TOKEN,
    trustProxy,
    authFailureLimit: 1,
    rateLimitClock: () => 0,
    logLevel: 'info',
    logDestination: { write: (line: string) => void logs.push(line) },
  });
  cleanups.push(() => relay.close());
  return { relay, logs, token: (agent) => issueRelayToken(SECRET, agent).token };
}

export interface ProxyUnderTest {
  /** https://127.0.0.1:<port> */
  url: string;
  /** The same listener's IPv6 twin, when the configuration has one: https://[::1]:<port> */
  url6?: string;
}

/**
 * The scenarios every shipped proxy configuration must pass. `start` starts the proxy (its shipped
 * configuration, rendered for this test) in front of the given relay.
 */
export function proxyScenarios(
  name: string,
  start: (relay: Relay, cert: Certificate) => Promise<ProxyUnderTest>,
  cleanups: Array<() => Promise<void>>,
  opts: { refusesOversizeBodies: boolean },
): void {
  const post = (proxy: ProxyUnderTest, cert: Certificate, path: string, body: unknown, headers: Record<string, string>, from?: string) =>
    https(proxy.url + path, {
      ca: cert.pem,
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
      localAddress: from,
    });

  it(`${name}: wss:// hello → welcome → events, both webhooks and the events page through TLS; the rest stays local`, async () => {
    const cert = selfSignedCertificate();
    const { relay, token } = await startRelayForProxy(['127.0.0.1', '::1'], cleanups);
    const proxy = await start(relay, cert);
    const wsUrl = `${proxy.url.replace('https:', 'wss:')}/ws`;

    const health = await https(`${proxy.url}/healthz`, { ca: cert.pem });
    expect(health.status).toBe(200);
    expect(health.json.ok).toBe(true);
    expect(health.tlsProtocol).toMatch(/^TLSv1\.[23]$/);
    expect(health.fingerprint).toBe(new X509Certificate(cert.pem).fingerprint256);
    if (proxy.url6) expect((await https(`${proxy.url6}/healthz`, { ca: cert.pem })).status).toBe(200);

    const agentToken = token(AGENT);
    const client = connect(wsUrl, cert.pem);
    cleanups.push(async () => {
      client.ws.terminate();
      await client.closed;
    });
    await client.opened;
    client.send({ type: 'hello', token: agentToken, after: 0 });
    const welcome = await client.next();
    expect(welcome).toMatchObject({ type: 'welcome', agent: AGENT, latest: 0, generation: relay.store.generation });

    const chat = conversationEvent('assigned', { agent: AGENT });
    const accepted = await post(proxy, cert, '/snapengage/conversation-events', chat, { authorization: WEBHOOK_TOKEN });
    expect(accepted.status).toBe(200);
    const event = await client.next();
    expect(event).toMatchObject({ type: 'event', seq: 1, kind: 'assigned' });
    expect(JSON.stringify(event.data)).toContain(chat.conversation.id);

    const status = agentStatusEvent({ agentId: AGENT, status: 'pause' });
    expect((await post(proxy, cert, '/snapengage/agent-status', status, { authorization: WEBHOOK_TOKEN })).status).toBe(200);
    expect(await client.next()).toMatchObject({ type: 'event', seq: 2, kind: 'agent_status' });

    // What the extension reads after a gap: the same events, over HTTPS with the relay token.
    const page = await https(`${proxy.url}/api/events?after=0`, { ca: cert.pem, headers: { authorization: `Bearer ${agentToken}` } });
    expect(page.status).toBe(200);
    expect(page.json.events.map((e: { seq: number }) => e.seq)).toEqual([1, 2]);

    // Only the paths the outside needs pass: /metrics and the quarantine's admin API stay on this machine.
    for (const path of ['/metrics', '/admin/quarantine', '/']) {
      const r = await https(proxy.url + path, { ca: cert.pem });
      expect({ path, status: r.status, json: r.json }).toEqual({ path, status: 404, json: { error: 'not found' } });
    }
  });

  // nginx answers 413 before it passes a body on. Were the relay to refuse it mid-way instead, it would
  // close the connection while the proxy still sends, and the proxy would answer 502 (which SnapEngage
  // retries): seen with Caddy 2.6 at the 18th of 60 tries with 5 MB bodies (docs/deploy.md).
  it.runIf(opts.refusesOversizeBodies)(`${name}: a body over the relay's 1 MiB gets 413 and a JSON message, every time`, async () => {
    const cert = selfSignedCertificate();
    const proxy = await start((await startRelayForProxy(['127.0.0.1'], cleanups)).relay, cert);
    const body = `{"pad":"${'x'.repeat(5_000_000)}"}`;
    for (let attempt = 1; attempt <= 10; attempt++) {
      const answer = await post(proxy, cert, '/snapengage/conversation-events', body, { authorization: WEBHOOK_TOKEN });
      expect({ attempt, status: answer.status, json: answer.json }).toEqual({
        attempt,
        status: 413,
        json: { error: 'body is larger than 1048576 bytes' },
      });
    }
  });

  it(`${name}: the team's board through TLS: its page with the relay's CSP, its stream's snapshot and a change as they happen`, async () => {
    const cert = selfSignedCertificate();
    const boardDir = join(tempDir('board'), 'board');
    mkdirSync(boardDir);
    writeFileSync(join(boardDir, 'index.html'), '<!doctype html><title>Board</title><script type="module" src="./app.js"></script>');
    const { relay } = await startRelayForProxy(['127.0.0.1', '::1'], cleanups, { boardDir });
    const proxy = await start(relay, cert);
    const page = await https(`${proxy.url}/board/`, { ca: cert.pem });
    expect(page.status).toBe(200);
    expect(page.text).toContain('<title>Board</title>');
    expect(page.headers['content-security-policy']).toContain("default-src 'none'; script-src 'self'");

    const supervisor = { authorization: `Bearer ${issueSupervisorToken(SECRET, 'lead@example.com').token}` };
    expect((await https(`${proxy.url}/api/board`, { ca: cert.pem, headers: supervisor })).json).toMatchObject({ agents: [] });
    // The stream must come through as it is written, not when a proxy buffer fills or the response ends.
    let text = '';
    const changed = new Promise<void>((resolve, reject) => {
      const req = request(`${proxy.url}/api/board/stream`, { ca: cert.pem, headers: supervisor, agent: false }, (res) => {
        if (res.statusCode !== 200) return reject(new Error(`the stream answered ${res.statusCode}`));
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          text += d;
          if (text.includes('event: snapshot') && !text.includes('event: agent') && !posted) {
            posted = true;
            post(proxy, cert, '/snapengage/agent-status', agentStatusEvent({ agentId: AGENT, status: 'pause' }), {
              authorization: WEBHOOK_TOKEN,
            }).catch(reject);
          }
          if (text.includes('event: agent')) {
            req.destroy();
            resolve();
          }
        });
        res.on('error', () => undefined);
      });
      let posted = false;
      req.on('error', (err) => {
        if (!text.includes('event: agent')) reject(err);
      });
      req.end();
    });
    await changed;
    expect(text).toMatch(/event: agent\ndata: \{"agent":"alice@example.com",[^\n]*"status":"pause"/);
  });

  it(`${name}: X-Forwarded-For is honoured only from the addresses in RELAY_TRUST_PROXY`, async () => {
    const cert = selfSignedCertificate();
    const wrong = { authorization: 'not-the-webhook-token-0123456789abcdef' };
    const chat = conversationEvent('assigned', { agent: AGENT });
    const attempt = async (proxy: ProxyUnderTest, from: string, headers: Record<string, string> = {}) =>
      (await post(proxy, cert, '/snapengage/conversation-events', chat, { ...wrong, ...headers }, from)).status;

    // The proxy connects from 127.0.0.1, which the relay trusts: each client has its own allowance.
    const trusting = await start((await startRelayForProxy(['127.0.0.1', '::1'], cleanups)).relay, cert);
    expect(await attempt(trusting, '127.0.0.2')).toBe(401);
    expect(await attempt(trusting, '127.0.0.2')).toBe(429);
    expect(await attempt(trusting, '127.0.0.3')).toBe(401);
    // A client cannot pass for another address: the proxy's own entry, the rightmost, counts.
    expect(await attempt(trusting, '127.0.0.3', { 'x-forwarded-for': '127.0.0.9' })).toBe(429);
    expect(await attempt(trusting, '127.0.0.4', { 'x-forwarded-for': '127.0.0.2' })).toBe(401);

    // Without RELAY_TRUST_PROXY the header is ignored: every client is the proxy, one allowance for all.
    const ignoring = await start((await startRelayForProxy([], cleanups)).relay, cert);
    expect(await attempt(ignoring, '127.0.0.2', { 'x-forwarded-for': '127.0.0.7' })).toBe(401);
    expect(await attempt(ignoring, '127.0.0.3')).toBe(429);
  });
}
