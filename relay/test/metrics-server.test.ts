// Who may read /metrics: on the main port only this machine without a proxy in between, or the
// bearer token; on RELAY_METRICS_PORT (loopback unless a token guards it) and then nowhere else.
import type { IncomingMessage } from 'node:http';
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config';
import { HttpError } from '../src/http';
import { checkMetricsAccess } from '../src/metrics-server';
import { freePort } from './redis-server';
import { cleanup, requestFrom, SECRET, startRelay, WEBHOOK_TOKEN } from './helpers';

afterEach(cleanup);
const TOKEN = 'metrics-token-0123456789abcdef0123456789';

const get = async (url: string, headers: Record<string, string> = {}) => {
  const res = await fetch(url, { headers });
  return { status: res.status, text: await res.text(), type: res.headers.get('content-type') };
};

describe('/metrics on the main port', () => {
  it('answers a caller on this machine; refuses one whose request came through a proxy (403, with what to do)', async () => {
    const t = await startRelay();
    const direct = await get(`${t.relay.url}/metrics`);
    expect(direct.status).toBe(200);
    expect(direct.type).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(direct.text).toContain('relay_webhooks_accepted_total');
    expect(direct.text).toContain('process_resident_memory_bytes');
    const proxies: Record<string, string>[] = [
      { 'x-forwarded-for': '203.0.113.7' },
      { forwarded: 'for=203.0.113.7' },
      { 'x-real-ip': '203.0.113.7' },
    ];
    for (const header of proxies) {
      const proxied = await get(`${t.relay.url}/metrics`, header);
      expect({ header, status: proxied.status, body: JSON.parse(proxied.text) }).toEqual({
        header,
        status: 403,
        body: {
          error:
            '/metrics is answered only on this machine, not through a proxy: read it from here, or set RELAY_METRICS_TOKEN or RELAY_METRICS_PORT',
        },
      });
    }
    // Another machine (every 127.x is loopback here, so the check itself is run with a remote peer).
    const remote = { socket: { remoteAddress: '198.51.100.4' }, headers: {} } as unknown as IncomingMessage;
    expect(() => checkMetricsAccess(remote, { token: '', ownPort: false }, 'main')).toThrow(HttpError);
    for (const address of ['127.0.0.1', '127.3.2.1', '::1', '::ffff:127.0.0.1']) {
      const local = { socket: { remoteAddress: address }, headers: {} } as unknown as IncomingMessage;
      expect(() => checkMetricsAccess(local, { token: '', ownPort: false }, 'main'), address).not.toThrow();
    }
    expect((await get(`${t.relay.url}/metrics`)).status).toBe(200);
  });

  it('with RELAY_METRICS_TOKEN, every read needs it (this machine too); wrong tokens count as failed attempts', async () => {
    const t = await startRelay({ metricsToken: TOKEN, authFailureLimit: 3 });
    expect((await get(`${t.relay.url}/metrics`, { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
    // Through a proxy is fine with the token: it is what lets a scraper elsewhere read it.
    expect((await get(`${t.relay.url}/metrics`, { authorization: `Bearer ${TOKEN}`, 'x-forwarded-for': '203.0.113.7' })).status).toBe(200);
    const refused = [
      await requestFrom(t.relay.url, '/metrics', { method: 'GET', localAddress: '127.0.0.2' }),
      await requestFrom(t.relay.url, '/metrics', { method: 'GET', localAddress: '127.0.0.2', headers: { authorization: 'Bearer wrong' } }),
      await requestFrom(t.relay.url, '/metrics', {
        method: 'GET',
        localAddress: '127.0.0.2',
        headers: { authorization: `Bearer ${TOKEN.slice(0, -1)}` },
      }),
    ];
    expect(refused.map((r) => [r.status, r.json.error])).toEqual(
      new Array(3).fill([401, 'missing or wrong metrics token (Authorization: Bearer <RELAY_METRICS_TOKEN>)']),
    );
    // The allowance of 3 is used up: 429 with Retry-After, even for the right token from that address.
    const limited = await requestFrom(t.relay.url, '/metrics', { method: 'GET', localAddress: '127.0.0.2' });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // Another address is not held back.
    expect((await get(`${t.relay.url}/metrics`, { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
    expect(t.logs.join('\n')).not.toContain(TOKEN);
    expect(t.logs.map((l) => JSON.parse(l)).find((l) => l.msg === 'metrics (GET /metrics)')).toMatchObject({ bearer: true });
  });
});

describe('RELAY_METRICS_PORT', () => {
  it('serves /metrics on its own loopback port and nowhere on the main one; only GET /metrics there', async () => {
    const t = await startRelay({ metricsPort: 0 });
    expect(t.relay.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    expect(new URL(t.relay.metricsUrl!).port).not.toBe(String(t.relay.port));
    const own = await get(t.relay.metricsUrl!);
    expect(own.status).toBe(200);
    expect(own.text).toContain('relay_connected_agents 0');
    expect(own.text).toContain('nodejs_eventloop_lag_seconds');
    expect((await get(`${t.relay.url}/metrics`)).status).toBe(404);
    expect((await get(t.relay.metricsUrl!.replace('/metrics', '/healthz'))).status).toBe(404);
    expect((await fetch(t.relay.metricsUrl!, { method: 'POST' })).status).toBe(405);
    // The main port still does its work.
    expect((await t.post('/snapengage/conversation-events', { junk: true }, { authorization: WEBHOOK_TOKEN })).status).toBe(202);
    expect((await get(t.relay.metricsUrl!)).text).toContain('relay_webhooks_quarantined_total');
    const line = t.logs.map((l) => JSON.parse(l)).find((l) => l.msg === 'metrics (GET /metrics)');
    expect(line).toMatchObject({ host: '127.0.0.1', port: Number(new URL(t.relay.metricsUrl!).port), bearer: false });
  });

  it('off loopback only with a token, which it then asks for; the CLI refuses the same without one', async () => {
    await expect(startRelay({ metricsPort: 0, metricsHost: '0.0.0.0' })).rejects.toThrow(
      'invalid relay config: RELAY_METRICS_HOST is not a loopback address, and RELAY_METRICS_TOKEN is not set',
    );
    const env = {
      RELAY_SECRET: SECRET,
      SNAPENGAGE_WEBHOOK_TOKEN: WEBHOOK_TOKEN,
      RELAY_METRICS_PORT: '9464',
      RELAY_METRICS_HOST: '0.0.0.0',
    };
    const refused = loadConfig({}, env);
    expect(refused.ok).toBe(false);
    expect(!refused.ok && refused.errors[0]).toMatch(/^RELAY_METRICS_HOST is not a loopback address.*Set RELAY_METRICS_TOKEN/);
    expect(loadConfig({}, { ...env, RELAY_METRICS_TOKEN: TOKEN }).ok).toBe(true);
    expect(loadConfig({}, { ...env, RELAY_METRICS_HOST: '::1' }).ok).toBe(true);
    const short = loadConfig({}, { ...env, RELAY_METRICS_TOKEN: 'short' });
    expect(!short.ok && short.errors).toEqual([
      'RELAY_METRICS_TOKEN must be empty (off) or at least 32 characters: set RELAY_METRICS_TOKEN or RELAY_METRICS_TOKEN_FILE (generate one with: openssl rand -hex 32).',
    ]);

    const t = await startRelay({ metricsPort: 0, metricsHost: '0.0.0.0', metricsToken: TOKEN });
    expect((await get(t.relay.metricsUrl!)).status).toBe(401);
    expect((await get(t.relay.metricsUrl!, { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
    expect((await get(`${t.relay.url}/metrics`, { authorization: `Bearer ${TOKEN}` })).status).toBe(404);
  });

  it('a metrics port that is taken stops the start with what to change, and leaves nothing listening', async () => {
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    const metricsPort = (taken.address() as { port: number }).port;
    const port = await freePort();
    try {
      await expect(startRelay({ port, metricsPort })).rejects.toThrow(
        `cannot serve /metrics on 127.0.0.1:${metricsPort} (RELAY_METRICS_HOST, RELAY_METRICS_PORT): EADDRINUSE`,
      );
    } finally {
      taken.close();
    }
    // The main port was given back: a relay starts on it.
    const t = await startRelay({ port });
    expect((await get(`${t.relay.url}/healthz`)).status).toBe(200);
  });
});
