// Relay mode against the real sandbox: the relay holds the account's API token, an extension holding
// only its relay token asks POST /api/status, and SnapEngage's every answer comes back as the outcome
// class the extension handles in direct mode.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StatusApiOutcome } from '@switchboard/protocol/status-api';
import { createSandbox, type Sandbox } from '../../sandbox/server';
import { issueRelayToken, issueSupervisorToken } from '../src/auth';
import { FAILED_ATTEMPTS_MESSAGE } from '../src/client-limits';
import { createRelay, type RelayOptions } from '../src/relay';
import { RELAY_MODE_OFF } from '../src/status-api-routes';
import { cleanup, SECRET, startRelay, tempDir, type TestRelay, WEBHOOK_TOKEN } from './helpers';

let sandbox: Sandbox;
beforeEach(async () => {
  sandbox = await createSandbox({ port: 0, agents: ['alice@example.com', 'bob@example.com', 'carol@example.com'] });
});
afterEach(async () => {
  await cleanup();
  await sandbox.close();
});

/** A relay in relay mode with the sandbox's account token and org id. */
const relayMode = (opts: Partial<RelayOptions> = {}) =>
  startRelay({ snapengageApiToken: sandbox.apiToken, snapengageOrgId: sandbox.orgId, snapengageApiBase: sandbox.url, ...opts });

interface Answer {
  status: number;
  retryAfter: string | null;
  json: any;
}

async function setStatus(t: TestRelay, token: string | undefined, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(`${t.relay.url}/api/status`, {
    method: 'POST',
    headers: { ...(token && { authorization: `Bearer ${token}` }), 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), json: await res.json() };
}

/** An answer that is an outcome must parse with the schema the extension reads it with. */
function outcome(answer: Answer) {
  const parsed = StatusApiOutcome.safeParse(answer.json);
  expect(parsed.success, JSON.stringify(answer.json)).toBe(true);
  return answer.json;
}

const statusCalls = () => sandbox.requests().filter((r) => r.path.endsWith('/agent/status') || r.path.includes('agent-status'));
const metric = (t: TestRelay, line: string) => t.get('/metrics').then((r) => r.text.split('\n').includes(line));

describe('POST /api/status (relay mode)', () => {
  it("confirmed: sets the token's agent's status at SnapEngage with the account's token, in the inferred request", async () => {
    const t = await relayMode();
    const answer = await setStatus(t, t.tokenFor('alice@example.com'), { status: 'pause', substatus: 'Lunch' });
    expect(answer.status).toBe(200);
    expect(outcome(answer)).toEqual({ outcome: 'confirmed' });
    expect(sandbox.agentStatus('alice@example.com')).toMatchObject({ status: 'pause', substatus: 'Lunch' });
    const [call] = statusCalls();
    expect(call).toMatchObject({
      method: 'POST',
      path: `/api/v2/${sandbox.orgId}/agent/status`,
      headers: { authorization: sandbox.apiToken },
      body: { agentId: 'alice@example.com', status: 'pause', substatus: 'Lunch' },
    });
    expect(outcome(await setStatus(t, t.tokenFor('alice@example.com'), { status: 'online' }))).toEqual({ outcome: 'confirmed' });
    expect(sandbox.agentStatus('alice@example.com')).toMatchObject({ status: 'online', substatus: null });
    expect(await metric(t, 'relay_status_requests_total{outcome="confirmed"} 2')).toBe(true);
  });

  it("Bob's token cannot change Alice: the body cannot name an agent, and Bob's call changes Bob", async () => {
    const t = await relayMode();
    const bob = t.tokenFor('bob@example.com');
    for (const field of ['agentId', 'agent', 'email']) {
      const answer = await setStatus(t, bob, { status: 'pause', substatus: 'Hijack', [field]: 'alice@example.com' });
      expect(answer.status).toBe(400);
      expect(answer.json.error).toBe(
        `body has an unknown field "${field}": it takes status and substatus only (the agent is the relay token's)`,
      );
    }
    expect(statusCalls()).toEqual([]);
    expect(outcome(await setStatus(t, bob, { status: 'pause', substatus: 'Coffee' }))).toEqual({ outcome: 'confirmed' });
    expect(sandbox.agentStatus('bob@example.com')).toMatchObject({ status: 'pause', substatus: 'Coffee' });
    expect(sandbox.agentStatus('alice@example.com')).toMatchObject({ status: 'offline' });
    expect(statusCalls().map((c) => (c.body as { agentId: string }).agentId)).toEqual(['bob@example.com']);
  });

  it("rejected: SnapEngage refusing the relay's token is 502, counted, logged at error once a minute, never retried, the token never logged", async () => {
    const t = await relayMode({ snapengageApiToken: 'not-the-account-token' });
    const alice = t.tokenFor('alice@example.com');
    for (let i = 0; i < 3; i++) {
      const answer = await setStatus(t, alice, { status: 'online' });
      expect(answer.status).toBe(502);
      expect(outcome(answer)).toEqual({ outcome: 'rejected', httpStatus: 401 });
    }
    expect(statusCalls()).toHaveLength(3);
    expect(await metric(t, 'relay_snapengage_rejected_total 3')).toBe(true);
    expect(await metric(t, 'relay_status_requests_total{outcome="rejected"} 3')).toBe(true);
    const errors = t.logs.map((l) => JSON.parse(l)).filter((l) => l.level >= 50);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ httpStatus: 401, msg: expect.stringContaining('SNAPENGAGE_API_TOKEN') });
    expect(t.logs.join('\n')).not.toContain('not-the-account-token');

    sandbox.setFailure({ mode: '403', times: 1 });
    const t2 = await relayMode();
    expect(outcome(await setStatus(t2, t2.tokenFor('alice@example.com'), { status: 'online' }))).toEqual({
      outcome: 'rejected',
      httpStatus: 403,
    });
  });

  it("invalid: SnapEngage's 404 for an unknown agent is 422 with its message", async () => {
    const t = await relayMode();
    const answer = await setStatus(t, t.tokenFor('dave@example.com'), { status: 'online' });
    expect(answer.status).toBe(422);
    expect(outcome(answer)).toEqual({ outcome: 'invalid', httpStatus: 404, detail: 'Unknown agent dave@example.com' });
    const warned = t.logs.map((l) => JSON.parse(l)).filter((l) => l.level === 40);
    expect(warned).toEqual([expect.objectContaining({ httpStatus: 404, detail: 'Unknown agent dave@example.com' })]);
  });

  it("retry: SnapEngage's 429 with Retry-After is 429, its 5xx 503 (with its Retry-After when it sent one)", async () => {
    const t = await relayMode();
    const alice = t.tokenFor('alice@example.com');
    sandbox.setFailure({ mode: '429', retryAfter: 7, times: 1 });
    const throttled = await setStatus(t, alice, { status: 'online' });
    expect([throttled.status, throttled.retryAfter]).toEqual([429, '7']);
    expect(outcome(throttled)).toEqual({ outcome: 'retry', reason: 'throttled', httpStatus: 429, retryAfterSeconds: 7 });

    sandbox.setFailure({ mode: '500', times: 1 });
    const failed = await setStatus(t, alice, { status: 'online' });
    expect([failed.status, failed.retryAfter]).toEqual([503, null]);
    expect(outcome(failed)).toEqual({ outcome: 'retry', reason: 'server', httpStatus: 500 });

    sandbox.setFailure({ mode: '503', retryAfter: 3, times: 1 });
    const unavailable = await setStatus(t, alice, { status: 'online' });
    expect([unavailable.status, unavailable.retryAfter]).toEqual([503, '3']);
    expect(outcome(unavailable)).toEqual({ outcome: 'retry', reason: 'server', httpStatus: 503, retryAfterSeconds: 3 });

    expect(outcome(await setStatus(t, alice, { status: 'online' }))).toEqual({ outcome: 'confirmed' });
    expect(await metric(t, 'relay_status_requests_total{outcome="retry_throttled"} 1')).toBe(true);
    expect(await metric(t, 'relay_status_requests_total{outcome="retry_server"} 2')).toBe(true);
  });

  it('retry: SnapEngage not answering is a timeout, SnapEngage unreachable a network retry (503)', async () => {
    const t = await relayMode({ statusCallTimeoutMs: 300 });
    const alice = t.tokenFor('alice@example.com');
    sandbox.setFailure({ mode: 'hang', times: 1 });
    const hung = await setStatus(t, alice, { status: 'online' });
    expect(hung.status).toBe(503);
    expect(outcome(hung)).toEqual({ outcome: 'retry', reason: 'timeout' });
    expect(sandbox.requests().at(-1)?.status).toBe('hang');

    await sandbox.close();
    const down = await setStatus(t, alice, { status: 'online' });
    expect(down.status).toBe(503);
    expect(outcome(down)).toEqual({ outcome: 'retry', reason: 'network' });
  });

  it("a redirect from the API is an answer, not followed: the account's token goes nowhere else", async () => {
    const elsewhere: string[] = [];
    const trap = await listen((req, res) => {
      elsewhere.push(String(req.headers.authorization));
      res.end('{}');
    });
    const redirecting = await listen((_req, res) => {
      res.writeHead(307, { location: `${trap.url}/steal` });
      res.end();
    });
    const t = await relayMode({ snapengageApiBase: redirecting.url });
    const answer = await setStatus(t, t.tokenFor('alice@example.com'), { status: 'online' });
    expect(outcome(answer)).toEqual({ outcome: 'invalid', httpStatus: 307 });
    expect(elsewhere).toEqual([]);
  });

  it('refuses a missing, wrong, expired or revoked relay token with 401, and nothing reaches SnapEngage', async () => {
    const t = await relayMode();
    const expired = issueRelayToken(SECRET, 'alice@example.com', { ttlDays: 1, now: new Date(Date.now() - 2 * 86_400_000) }).token;
    const revoked = issueRelayToken(SECRET, 'alice@example.com');
    await t.relay.store.revokeToken(revoked.claims.jti);
    const forged = issueRelayToken('another-secret-0123456789abcdef-0123', 'alice@example.com').token;
    for (const [token, error] of [
      [undefined, 'missing relay token (Authorization: Bearer <token>)'],
      [forged, 'relay token bad signature'],
      [expired, 'relay token expired'],
      [revoked.token, 'relay token revoked'],
      [WEBHOOK_TOKEN, 'relay token malformed'],
    ] as const) {
      const answer = await setStatus(t, token, { status: 'online' });
      expect({ status: answer.status, json: answer.json }).toEqual({ status: 401, json: { error } });
    }
    expect(statusCalls()).toEqual([]);
    expect(await metric(t, 'relay_status_requests_total{outcome="unauthorized"} 5')).toBe(true);
  });

  it("a supervisor token cannot set anyone's status: 403 naming what to use, and nothing reaches SnapEngage", async () => {
    const t = await relayMode();
    const answer = await setStatus(t, issueSupervisorToken(SECRET, 'lead@example.com').token, { status: 'pause', substatus: 'Lunch' });
    expect({ status: answer.status, json: answer.json }).toEqual({
      status: 403,
      json: { error: "a supervisor token cannot set an agent's status: use the agent's relay token" },
    });
    expect(statusCalls()).toEqual([]);
  });

  it('wrong tokens take failed attempts like every route (then 429); a valid token is never held back', async () => {
    const t = await relayMode({ authFailureLimit: 2, rateLimitClock: () => 0 });
    expect((await setStatus(t, 'sb1.x.y', { status: 'online' })).status).toBe(401);
    expect((await setStatus(t, 'sb1.x.y', { status: 'online' })).status).toBe(401);
    const refused = await setStatus(t, 'sb1.x.y', { status: 'online' });
    expect([refused.status, refused.json, Number(refused.retryAfter) > 0]).toEqual([429, { error: FAILED_ATTEMPTS_MESSAGE }, true]);
    expect(outcome(await setStatus(t, t.tokenFor('alice@example.com'), { status: 'online' }))).toEqual({ outcome: 'confirmed' });
  });

  it("limits each agent's status calls (30 a minute, bursts of 10): 429 retry with Retry-After, other agents unaffected", async () => {
    const t = await relayMode({ rateLimitClock: () => 0 });
    const alice = t.tokenFor('alice@example.com');
    for (let i = 0; i < 10; i++) expect((await setStatus(t, alice, { status: i % 2 ? 'online' : 'pause' })).status).toBe(200);
    const limited = await setStatus(t, alice, { status: 'online' });
    expect([limited.status, limited.retryAfter]).toEqual([429, '2']);
    expect(outcome(limited)).toEqual({ outcome: 'retry', reason: 'throttled', retryAfterSeconds: 2 });
    expect(outcome(await setStatus(t, t.tokenFor('bob@example.com'), { status: 'online' }))).toEqual({ outcome: 'confirmed' });
    expect(statusCalls()).toHaveLength(11);
    expect(await metric(t, 'relay_status_requests_total{outcome="limited"} 1')).toBe(true);

    const slow = await relayMode({ statusRateLimit: 3, rateLimitClock: () => 0 });
    const bob = slow.tokenFor('bob@example.com');
    for (let i = 0; i < 3; i++) expect((await setStatus(slow, bob, { status: 'online' })).status).toBe(200);
    expect((await setStatus(slow, bob, { status: 'online' })).retryAfter).toBe('20');
  });

  it('refuses a body that is not {status, substatus?} with 400/413/415, before calling SnapEngage', async () => {
    const t = await relayMode();
    const alice = t.tokenFor('alice@example.com');
    for (const [body, headers, status, error] of [
      [{ status: 'online' }, { 'content-type': 'text/plain' }, 415, 'content-type must be application/json'],
      ['{not json', {}, 400, 'body is not valid JSON'],
      [[], {}, 400, 'body must be a JSON object {"status": …, "substatus"?: …}'],
      [{ status: 'offline' }, {}, 400, 'status must be "online" or "pause"'],
      [{}, {}, 400, 'status must be "online" or "pause"'],
      [{ status: 'pause', substatus: 'x'.repeat(61) }, {}, 400, 'substatus must be 1 to 60 characters (the pause reason)'],
      [{ status: 'pause', substatus: '' }, {}, 400, 'substatus must be 1 to 60 characters (the pause reason)'],
      [{ status: 'pause', substatus: 'x'.repeat(5000) }, {}, 413, 'body is larger than 4096 bytes'],
    ] as const) {
      const answer = await setStatus(t, alice, body, headers);
      expect({ status: answer.status, json: answer.json }, JSON.stringify(body).slice(0, 40)).toEqual({ status, json: { error } });
    }
    expect(statusCalls()).toEqual([]);
  });

  it('answers CORS for the extension origins only, exposing Retry-After', async () => {
    const t = await relayMode();
    const preflight = await fetch(`${t.relay.url}/api/status`, {
      method: 'OPTIONS',
      headers: {
        origin: 'chrome-extension://abcdefghijklmnop',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('chrome-extension://abcdefghijklmnop');
    expect(preflight.headers.get('access-control-allow-methods')).toBe('POST');
    expect(preflight.headers.get('access-control-allow-headers')).toBe('authorization, content-type');
    const answer = await fetch(`${t.relay.url}/api/status`, {
      method: 'POST',
      headers: {
        origin: 'moz-extension://1234',
        authorization: `Bearer ${t.tokenFor('alice@example.com')}`,
        'content-type': 'application/json',
      },
      body: '{"status":"online"}',
    });
    expect(answer.headers.get('access-control-allow-origin')).toBe('moz-extension://1234');
    expect(answer.headers.get('access-control-expose-headers')).toBe('retry-after');
    const foreign = await fetch(`${t.relay.url}/api/status`, { method: 'OPTIONS', headers: { origin: 'https://evil.example' } });
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
  });

  it("SNAPENGAGE_STATUS_REQUEST's override reaches a SnapEngage that expects it; without it that SnapEngage refuses the inferred request", async () => {
    await sandbox.close();
    const override = {
      path: '/api/v3/orgs/{orgId}/agent-status',
      agentField: 'email',
      statusField: 'state',
      substatusField: 'reason',
      auth: 'bearer',
    } as const;
    sandbox = await createSandbox({ port: 0, statusRequest: override });
    const inferred = await relayMode();
    const refused = await setStatus(inferred, inferred.tokenFor('alice@example.com'), { status: 'pause', substatus: 'Lunch' });
    expect(outcome(refused)).toEqual({ outcome: 'invalid', httpStatus: 404, detail: 'Not found' });

    const t = await relayMode({ snapengageStatusRequest: JSON.stringify(override) });
    const answer = await setStatus(t, t.tokenFor('alice@example.com'), { status: 'pause', substatus: 'Lunch' });
    expect(outcome(answer)).toEqual({ outcome: 'confirmed' });
    expect(sandbox.agentStatus('alice@example.com')).toMatchObject({ status: 'pause', substatus: 'Lunch' });
    expect(sandbox.requests().at(-1)).toMatchObject({
      path: `/api/v3/orgs/${sandbox.orgId}/agent-status`,
      headers: { authorization: `Bearer ${sandbox.apiToken}` },
      body: { email: 'alice@example.com', state: 'pause', reason: 'Lunch' },
    });
    expect(t.logs.some((l) => l.includes('"statusRequest":"{\\"path\\":\\"/api/v3/orgs/{orgId}/agent-status\\"'))).toBe(true);
  });

  it('relay mode off: 404 with why; half a configuration or a bad override stops the start', async () => {
    const off = await startRelay();
    const answer = await setStatus(off, off.tokenFor('alice@example.com'), { status: 'online' });
    expect({ status: answer.status, json: answer.json }).toEqual({ status: 404, json: { error: RELAY_MODE_OFF } });

    const base = { port: 0, dbPath: `${tempDir()}/relay.db`, webhookToken: WEBHOOK_TOKEN, secret: SECRET, logLevel: 'silent' as const };
    await expect(createRelay({ ...base, snapengageApiToken: sandbox.apiToken })).rejects.toThrow(
      'invalid relay config: SNAPENGAGE_API_TOKEN is set but SNAPENGAGE_ORG_ID is not: set both for relay mode, or neither',
    );
    await expect(createRelay({ ...base, snapengageOrgId: sandbox.orgId })).rejects.toThrow(
      'SNAPENGAGE_ORG_ID is set but SNAPENGAGE_API_TOKEN is not',
    );
    await expect(
      createRelay({
        ...base,
        snapengageApiToken: sandbox.apiToken,
        snapengageOrgId: sandbox.orgId,
        snapengageStatusRequest: '{"path": "//evil.example/{orgId}"}',
      }),
    ).rejects.toThrow('snapengageStatusRequest has a bad "path": must be a path starting with one /');
  });
});

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

async function listen(handler: Parameters<typeof createServer>[1]): Promise<{ url: string }> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}
