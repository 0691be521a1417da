// Who the relay thinks is calling (the client key: peer, X-Forwarded-For from trusted proxies only,
// IPv6 by /64) and the caps on unauthenticated connections (total, per address, waiting for hello).
import { connect as tcpConnect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { addressKey, clientAddress, TrustedProxies, trustEntryError } from '../src/client-limits';
import { loadConfig } from '../src/config';
import { cleanup, connect, requestFrom, SECRET, sleep, startRelay, WEBHOOK_TOKEN, webhookFrom, type TestRelay } from './helpers';

afterEach(cleanup);
const hello = (token: string) => ({ type: 'hello', token, after: 0 });

describe('the client key', () => {
  it('IPv4 as is; IPv6 grouped by /64 whatever its spelling; IPv4-mapped IPv6 is the IPv4 address', () => {
    expect(addressKey('203.0.113.7')).toBe('203.0.113.7');
    expect(addressKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(addressKey('2001:db8:1:2:aaaa:bbbb:cccc:dddd')).toBe('2001:db8:1:2::/64');
    // One host picks any address in its /64: all of these are one key.
    for (const a of ['2001:db8:1:2::1', '2001:0DB8:0001:0002:ffff::', '2001:db8:1:2:0:0:0:9', '2001:db8:1:2::1%eth0'])
      expect(addressKey(a), a).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8:1:3::1')).not.toBe(addressKey('2001:db8:1:2::1'));
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
    expect(addressKey('64:ff9b::192.0.2.1')).toBe('64:ff9b:0:0::/64');
  });

  it('X-Forwarded-For is ignored unless the peer is a trusted proxy; then its rightmost untrusted hop is the client', () => {
    const none = new TrustedProxies([]);
    const proxies = new TrustedProxies(['127.0.0.2', '10.0.0.0/8', 'fd00::/8']);
    // Untrusted peer: whatever it claims, it is itself.
    expect(clientAddress('198.51.100.9', '1.2.3.4', proxies)).toBe('198.51.100.9');
    expect(clientAddress('127.0.0.2', '1.2.3.4', none)).toBe('127.0.0.2');
    // Trusted: the hop the proxy appended; hops further left are the client's own words.
    expect(clientAddress('127.0.0.2', '6.6.6.6, 1.2.3.4', proxies)).toBe('1.2.3.4');
    // A chain of our proxies is skipped, IPv4 and IPv6 alike.
    expect(clientAddress('::ffff:127.0.0.2', '6.6.6.6, 1.2.3.4, 10.1.2.3, fd00::7', proxies)).toBe('1.2.3.4');
    expect(clientAddress('fd12::1', '2001:db8::5', proxies)).toBe('2001:db8::5');
    expect(clientAddress('127.0.0.2', ['6.6.6.6', '[2001:db8::5]:443'], proxies)).toBe('2001:db8::5');
    expect(clientAddress('127.0.0.2', '1.2.3.4:5555', proxies)).toBe('1.2.3.4');
    // Unreadable hop or no header: the proxy itself.
    expect(clientAddress('127.0.0.2', 'unknown, not-an-ip', proxies)).toBe('127.0.0.2');
    expect(clientAddress('127.0.0.2', undefined, proxies)).toBe('127.0.0.2');
    // Only our proxies in the chain (a health check from inside): the first.
    expect(clientAddress('127.0.0.2', '10.9.9.9, 10.0.0.1', proxies)).toBe('10.9.9.9');
  });

  it('RELAY_TRUST_PROXY takes addresses and CIDRs of both families and names a bad entry', () => {
    expect(['10.0.0.1', '10.0.0.0/8', '::1', '2001:db8::/32', '::ffff:10.0.0.1'].map(trustEntryError)).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    expect(trustEntryError('10.0.0.0/33')).toBe('10.0.0.0/33 has a prefix outside 0..32');
    expect(trustEntryError('proxy.local')).toBe('proxy.local is not an IP address or CIDR');
    const ok = loadConfig(
      {},
      { RELAY_SECRET: SECRET, SNAPENGAGE_WEBHOOK_TOKEN: WEBHOOK_TOKEN, RELAY_TRUST_PROXY: '10.0.0.1, 2001:db8::/32' },
    );
    expect(ok.ok && ok.config.trustProxy).toEqual(['10.0.0.1', '2001:db8::/32']);
    const bad = loadConfig(
      {},
      { RELAY_SECRET: SECRET, SNAPENGAGE_WEBHOOK_TOKEN: WEBHOOK_TOKEN, RELAY_TRUST_PROXY: '10.0.0.1,10.0.0.0/99' },
    );
    expect(bad.ok ? [] : bad.errors).toEqual([
      'RELAY_TRUST_PROXY has 10.0.0.0/99 has a prefix outside 0..32: set RELAY_TRUST_PROXY or pass --trust-proxy.',
    ]);
    const proxies = new TrustedProxies(['10.0.0.0/8', '2001:db8::/32']);
    expect([
      proxies.has('10.200.0.1'),
      proxies.has('11.0.0.1'),
      proxies.has('2001:db8:ffff::1'),
      proxies.has('2001:db9::1'),
      proxies.has('::ffff:10.0.0.1'),
    ]).toEqual([true, false, true, false, true]);
  });
});

/** Opens a raw TCP connection from `localAddress` that sends nothing; resolves once connected. */
async function idleSocket(t: TestRelay, localAddress: string): Promise<{ socket: Socket; answer: Promise<string> }> {
  const socket = tcpConnect({ port: t.relay.port, host: '127.0.0.1', localAddress });
  socket.on('error', () => undefined);
  let text = '';
  socket.on('data', (d) => {
    text += d;
  });
  const answer = new Promise<string>((r) => socket.on('close', () => r(text)));
  await new Promise((r) => socket.once('connect', r));
  return { socket, answer };
}

/** A websocket upgrade from `localAddress`: 'open', or the HTTP status it was refused with. */
function upgradeFrom(
  url: string,
  localAddress: string,
  headers: Record<string, string> = {},
): Promise<{ ws?: WebSocket; status: number | 'open' }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { localAddress, headers });
    ws.on('open', () => resolve({ ws, status: 'open' }));
    ws.on('unexpected-response', (_req, res) => {
      resolve({ status: res.statusCode! });
      res.resume();
    });
    ws.on('error', reject);
  });
}

// Read in-process: a GET /metrics would be a connection of its own (and refused at a cap).
const metricsText = (t: TestRelay) => t.relay.metrics.render();
const gauge = async (t: TestRelay, name: string) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(metricsText(t))![1]);
async function waitForGauge(t: TestRelay, name: string, value: number): Promise<void> {
  while ((await gauge(t, name)) !== value) await sleep(10);
}

describe('unauthenticated connection caps', () => {
  it('per address: the connection over the cap is answered 429 and closed at once; other addresses are served', async () => {
    const t = await startRelay({ maxUnauthPerAddress: 3 });
    const held = await Promise.all([0, 1, 2].map(() => idleSocket(t, '127.0.0.2')));
    await waitForGauge(t, 'relay_unauthenticated_connections', 3);
    const over = await idleSocket(t, '127.0.0.2');
    const answer = await over.answer;
    expect(answer).toMatch(/^HTTP\/1\.1 429 Too Many Requests\r\n/);
    expect(answer).toContain('{"error":"too many connections from this address, retry later"}');
    // Another address is not affected, and is counted on its own.
    expect((await requestFrom(t.relay.url, '/healthz', { method: 'GET', localAddress: '127.0.0.3' })).status).toBe(200);
    expect(metricsText(t)).toContain('relay_connections_refused_total{reason="per_address"} 1');
    // A socket that goes frees its place.
    held[0]!.socket.destroy();
    await waitForGauge(t, 'relay_unauthenticated_connections', 2);
    expect((await requestFrom(t.relay.url, '/healthz', { method: 'GET', localAddress: '127.0.0.2' })).status).toBe(200);
  });

  it('in total: over the cap a new connection is answered 503 and closed', async () => {
    const t = await startRelay({ maxUnauthConnections: 4 });
    for (let i = 0; i < 4; i++) await idleSocket(t, `127.0.1.${i + 1}`);
    await waitForGauge(t, 'relay_unauthenticated_connections', 4);
    const over = await idleSocket(t, '127.0.1.9');
    expect(await over.answer).toMatch(/^HTTP\/1\.1 503 Service Unavailable\r\n[\s\S]*"too many connections, retry later"/);
    expect(metricsText(t)).toContain('relay_connections_refused_total{reason="unauthenticated_total"} 1');
  });

  it('websockets waiting for hello are capped (503 at the upgrade); an authenticated websocket no longer counts', async () => {
    const t = await startRelay({ maxPendingHellos: 2, maxUnauthPerAddress: 4 });
    const token = t.tokenFor('alice@example.com');
    const silent = await Promise.all([upgradeFrom(t.relay.wsUrl, '127.0.0.2'), upgradeFrom(t.relay.wsUrl, '127.0.0.3')]);
    expect(silent.map((s) => s.status)).toEqual(['open', 'open']);
    await waitForGauge(t, 'relay_pending_hellos', 2);
    expect((await upgradeFrom(t.relay.wsUrl, '127.0.0.4')).status).toBe(503);
    for (const s of silent) s.ws!.terminate();
    await waitForGauge(t, 'relay_pending_hellos', 0);
    // Six agents from one address, with a per-address cap of four: each stops counting once welcomed.
    for (let i = 0; i < 6; i++) expect((await (await connect(t.relay.wsUrl, hello(token))).next()).type).toBe('welcome');
    await waitForGauge(t, 'relay_unauthenticated_connections', 0);
    expect(metricsText(t)).toContain('relay_connections_refused_total{reason="pending_hellos"} 1');
  });

  it('a refused upgrade is answered and destroyed, not left half-open', async () => {
    const t = await startRelay();
    for (const [path, upgrade, status] of [
      ['/nowhere', 'websocket', 404],
      ['/nowhere', 'h2c', 404],
      ['/ws', 'h2c', 400],
    ] as const) {
      // allowHalfOpen: this client never ends its side; only the relay can close the connection.
      const socket = tcpConnect({ port: t.relay.port, host: '127.0.0.1', allowHalfOpen: true });
      socket.on('error', () => undefined);
      let text = '';
      socket.on('data', (d) => {
        text += d;
      });
      const ended = new Promise((r) => socket.once('end', r));
      await new Promise((r) => socket.once('connect', r));
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: ${upgrade}\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
      await ended;
      expect(text, `${path} ${upgrade}`).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
      await waitForGauge(t, 'relay_unauthenticated_connections', 0);
      socket.destroy();
    }
  });
});

describe('X-Forwarded-For and IPv6 in the failed-attempt limit', () => {
  const wrong = 'wrong-token';

  it('from an untrusted peer X-Forwarded-For is ignored: changing it does not escape the limit', async () => {
    const t = await startRelay({ authFailureLimit: 3, trustProxy: ['127.0.0.2'] });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++)
      statuses.push((await webhookFrom(t.relay.url, '127.0.0.1', wrong, undefined, { 'x-forwarded-for': `192.0.2.${i}` })).status);
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
  });

  it('from a trusted proxy each forwarded client has its own bucket, keyed on the rightmost untrusted hop', async () => {
    const t = await startRelay({ authFailureLimit: 3, trustProxy: ['127.0.0.2', '10.0.0.0/8'] });
    // Distinct clients behind the proxy: none is limited.
    const distinct: number[] = [];
    for (let i = 0; i < 6; i++)
      distinct.push((await webhookFrom(t.relay.url, '127.0.0.2', wrong, undefined, { 'x-forwarded-for': `192.0.2.${i}` })).status);
    expect(distinct).toEqual([401, 401, 401, 401, 401, 401]);
    // One client that puts a new address in front each time: still one client (the hop our proxy added).
    const spoofing: number[] = [];
    for (let i = 0; i < 5; i++)
      spoofing.push(
        (await webhookFrom(t.relay.url, '127.0.0.2', wrong, undefined, { 'x-forwarded-for': `203.0.113.${i}, 198.51.100.7, 10.1.1.1` }))
          .status,
      );
    expect(spoofing).toEqual([401, 401, 401, 429, 429]);
    // The same key for websocket upgrades through the proxy (their failures counted apart from HTTP's).
    const via = (ip: string, path = '/ws') =>
      upgradeFrom(t.relay.url.replace('http', 'ws') + path, '127.0.0.2', { 'x-forwarded-for': `203.0.113.9, ${ip}` });
    for (let i = 0; i < 3; i++) expect((await via('198.51.100.7', '/elsewhere')).status).toBe(404);
    expect((await via('198.51.100.7')).status).toBe(429);
    const other = await via('198.51.100.8');
    expect(other.status).toBe('open');
    other.ws!.close();
  });

  it('over IPv6 (::1) the limit applies per /64, and a valid token still passes', async () => {
    const t = await startRelay({ host: '::1', authFailureLimit: 2 });
    expect(t.relay.url).toBe(`http://[::1]:${t.relay.port}`);
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await webhookFrom(t.relay.url, '::1', wrong)).status);
    expect(statuses).toEqual([401, 401, 429]);
    expect((await webhookFrom(t.relay.url, '::1', WEBHOOK_TOKEN)).status).toBe(200);
  });
});
