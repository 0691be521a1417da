// Token expiry and revocation end to end through the CLI (`relay revoke` against a running relay,
// SQLite and Redis), and no token or secret in any log line the relay children wrote.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import WebSocket from 'ws';
import { decodeRelayToken, issueRelayToken } from '../../src/auth';
import { startRedis, type RedisUnderTest } from '../redis-server';
import {
  ALL_LOG_LINES,
  conversationEvent,
  ISSUED_TOKENS,
  RELAY_CLI,
  RELAY_DIR,
  RelayProcess,
  report,
  SECRET,
  secretsInLogs,
  sleep,
  WEBHOOK_TOKEN,
} from './harness';

let redis: RedisUnderTest;
const relays: RelayProcess[] = [];
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  for (const r of relays) await r.dispose();
  await redis?.stop();
});

const session = (url: string, token: string) =>
  new Promise<{ welcome: boolean; close: Promise<{ code: number; reason: string }>; ws: WebSocket }>((resolveSession) => {
    const ws = new WebSocket(url);
    ws.on('error', () => undefined);
    const close = new Promise<{ code: number; reason: string }>((r) =>
      ws.on('close', (code, reason) => r({ code, reason: String(reason) })),
    );
    ws.on('open', () => ws.send(JSON.stringify({ type: 'hello', token, after: 0 })));
    ws.on('message', (d) => JSON.parse(String(d)).type === 'welcome' && resolveSession({ welcome: true, close, ws }));
    void close.then(() => resolveSession({ welcome: false, close, ws }));
  });

for (const backend of ['sqlite', 'redis'] as const) {
  it(`${backend}: expired tokens are refused; \`npm run relay -- revoke\` closes live sockets and refuses new ones`, async () => {
    const env: Record<string, string> = { RELAY_PING_INTERVAL_MS: '2000', RELAY_LOG_LEVEL: 'debug' };
    if (backend === 'redis') env.RELAY_REDIS_URL = `${redis.url}/2`;
    const relay = new RelayProcess(env);
    relays.push(relay);
    await relay.start();
    const expired = issueRelayToken(SECRET, 'exp@example.com', { ttlDays: 1, now: new Date(Date.now() - 2 * 86_400_000) }).token;
    const live = issueRelayToken(SECRET, 'rev@example.com', { ttlDays: 30 }).token;
    ISSUED_TOKENS.push(expired, live);

    const e = await session(relay.wsUrl, expired);
    expect(e.welcome).toBe(false);
    expect(await e.close).toEqual({ code: 4401, reason: 'token expired' });
    const api = await fetch(`${relay.url}/api/events`, { headers: { authorization: `Bearer ${expired}` } });
    expect(api.status).toBe(401);
    expect(await api.text()).not.toContain(expired);

    const s = await session(relay.wsUrl, live);
    expect(s.welcome).toBe(true);
    await fetch(`${relay.url}/snapengage/conversation-events`, {
      method: 'POST',
      headers: { authorization: WEBHOOK_TOKEN, 'content-type': 'application/json' },
      body: JSON.stringify(conversationEvent('rev@example.com', 'rev-1', 1)),
    });
    // By its id with SQLite, the whole token on stdin with Redis: both ways an operator may revoke.
    const how = backend === 'sqlite' ? ['--jti', decodeRelayToken(live)!.jti] : ['--stdin'];
    // Not spawnSync: while it blocks this process, the socket cannot answer the relay's pings, and a
    // CLI slower than a ping interval (a loaded machine) got it dropped as dead (1006) before the revocation.
    const cli = await runCli([...RELAY_CLI, 'revoke', ...how], {
      input: backend === 'sqlite' ? '' : live,
      env: {
        PATH: process.env.PATH!,
        RELAY_DB: join(relay.dir, 'relay.db'),
        ...(env.RELAY_REDIS_URL ? { RELAY_REDIS_URL: env.RELAY_REDIS_URL } : {}),
      },
    });
    expect(cli.status, cli.stderr).toBe(0);
    expect(cli.stderr + cli.stdout).not.toContain(live);
    ALL_LOG_LINES.push(...cli.stderr.split('\n'));
    expect(await Promise.race([s.close, sleep(10_000).then(() => 'still open')])).toEqual({ code: 4401, reason: 'token revoked' });
    const again = await session(relay.wsUrl, live);
    expect(again.welcome).toBe(false);
    expect(await again.close).toEqual({ code: 4401, reason: 'token revoked' });
    await relay.kill('SIGTERM');
  }, 60_000);
}

it('no token or secret appears in any log line of these relays', () => {
  const leaks = secretsInLogs();
  report('log lines scanned for secrets', { lines: ALL_LOG_LINES.length, tokensChecked: ISSUED_TOKENS.length + 2, leaks: leaks.length });
  expect(ALL_LOG_LINES.length).toBeGreaterThan(20);
  expect(leaks).toEqual([]);
});

/** The relay CLI in a child process, without blocking this one; killed after 20 s. */
function runCli(
  args: string[],
  o: { input: string; env: NodeJS.ProcessEnv },
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: RELAY_DIR, env: o.env });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
    child.stdin.end(o.input);
  });
}
