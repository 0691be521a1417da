import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_STATUS_REQUEST } from '@switchboard/protocol/agent-status-request';
import { createSandbox, DEFAULT_API_TOKEN, DEFAULT_ORG_ID, type Sandbox } from '../../sandbox/server';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await createSandbox({ port: 0 });
});
afterAll(() => sandbox.close());

function postStatus(body: unknown, headers: Record<string, string> = {}, orgId = sandbox.orgId) {
  return fetch(`${sandbox.url}/api/v2/${orgId}/agent/status`, {
    method: 'POST',
    headers: { Authorization: sandbox.apiToken, 'Content-Type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

describe('Agent Status API', () => {
  it('sets and remembers the status, answering agentId/status/substatus/updatedAt', async () => {
    const res = await postStatus({ agentId: 'alice@example.com', status: 'pause', substatus: 'Lunch' });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    const body = (await res.json()) as { updatedAt: string };
    expect(body).toMatchObject({ agentId: 'alice@example.com', status: 'pause', substatus: 'Lunch' });
    expect(new Date(body.updatedAt).toISOString()).toBe(body.updatedAt);
    expect(sandbox.agentStatus('alice@example.com')).toEqual(body);
    const read = await fetch(`${sandbox.url}/__sandbox/agents/alice%40example.com`);
    expect(await read.json()).toEqual(body);
  });

  it('matches agent emails case-insensitively and drops a substatus with online', async () => {
    const res = await postStatus({ agentId: 'Bob@Example.com', status: 'online', substatus: 'ignored' });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ agentId: 'bob@example.com', status: 'online', substatus: null });
  });

  it('answers 401 for a missing, wrong or Bearer-prefixed token', async () => {
    const ok = { agentId: 'alice@example.com', status: 'online' };
    for (const headers of [{ Authorization: '' }, { Authorization: 'wrong' }, { Authorization: `Bearer ${sandbox.apiToken}` }]) {
      const res = await postStatus(ok, headers);
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ message: 'Invalid API token' });
    }
    const res = await fetch(`${sandbox.url}/api/v2/${sandbox.orgId}/agent/status`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(ok),
    });
    expect(res.status).toBe(401);
  });

  it('answers 404 for an unknown organisation or agent', async () => {
    const wrongOrg = await postStatus({ agentId: 'alice@example.com', status: 'online' }, {}, '1234');
    expect(wrongOrg.status).toBe(404);
    expect(await wrongOrg.json()).toEqual({ message: 'Unknown organization' });
    const unknown = await postStatus({ agentId: 'carol@example.com', status: 'online' });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { message?: unknown }).message).toMatch(/^Unknown agent/);
  });

  it('answers 400 with a message for bad JSON and bad fields', async () => {
    const cases: unknown[] = [
      '{not json',
      { agentId: 'alice@example.com' },
      { agentId: 'alice@example.com', status: 'offline' },
      { agentId: '', status: 'pause' },
      { agentId: 'alice@example.com', status: 'pause', substatus: 5 },
      [],
    ];
    for (const body of cases) {
      const res = await postStatus(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(typeof ((await res.json()) as { message?: unknown }).message).toBe('string');
    }
  });

  it('answers 415 when the body is not declared as JSON', async () => {
    const res = await postStatus('agentId=alice', { 'Content-Type': 'application/x-www-form-urlencoded' });
    expect(res.status).toBe(415);
    expect(typeof ((await res.json()) as { message?: unknown }).message).toBe('string');
  });

  it('offers a Logs API stub that checks the token', async () => {
    const url = `${sandbox.url}/api/v2/${sandbox.orgId}/logs?widgetId=w&start=2025-01-01&end=2025-01-02`;
    const ok = await fetch(url, { headers: { Authorization: sandbox.apiToken } });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ cases: [], linkToNextSetOfResults: null });
    expect((await fetch(url, { headers: { Authorization: 'nope' } })).status).toBe(401);
  });

  it('answers CORS preflights for a chrome-extension origin', async () => {
    const res = await fetch(`${sandbox.url}/api/v2/${sandbox.orgId}/agent/status`, {
      method: 'OPTIONS',
      headers: {
        Origin: 'chrome-extension://abcdefghijklmnop',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'authorization,content-type',
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-allow-headers')).toMatch(/Authorization/);
    expect(res.headers.get('access-control-allow-headers')).toMatch(/Content-Type/);
    expect(res.headers.get('access-control-allow-methods')).toMatch(/POST/);
  });
});

describe('Agent Status API started expecting another request (the override the relay and the extension can send)', () => {
  const expected = {
    path: '/api/v3/orgs/{orgId}/agent-status',
    agentField: 'email',
    statusField: 'state',
    substatusField: 'reason',
    auth: 'bearer',
  } as const;
  let other: Sandbox;
  beforeAll(async () => {
    other = await createSandbox({ port: 0, statusRequest: expected });
  });
  afterAll(() => other.close());

  const post = (path: string, body: unknown, authorization: string) =>
    fetch(`${other.url}${path}`, {
      method: 'POST',
      headers: { Authorization: authorization, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
  const overridden = `/api/v3/orgs/${DEFAULT_ORG_ID}/agent-status`;
  const bearer = `Bearer ${DEFAULT_API_TOKEN}`;

  it('takes the request in the shape it expects, and says which shape that is', async () => {
    expect(other.statusRequest).toEqual(expected);
    const res = await post(overridden, { email: 'alice@example.com', state: 'pause', reason: 'Lunch' }, bearer);
    expect(res.status).toBe(200);
    expect(other.agentStatus('alice@example.com')).toMatchObject({ status: 'pause', substatus: 'Lunch' });
    expect(sandbox.statusRequest).toEqual(DEFAULT_STATUS_REQUEST);
  });

  it('refuses the inferred shape as SnapEngage would: its path 404, its field names 400, a bare token 401', async () => {
    const inferredBody = { agentId: 'bob@example.com', status: 'pause', substatus: 'Lunch' };
    const wrongPath = await post(`/api/v2/${DEFAULT_ORG_ID}/agent/status`, inferredBody, bearer);
    expect([wrongPath.status, await wrongPath.json()]).toEqual([404, { message: 'Not found' }]);
    const wrongFields = await post(overridden, inferredBody, bearer);
    expect(wrongFields.status).toBe(400);
    expect(((await wrongFields.json()) as { message: string }).message).toMatch(/^email must be a string/);
    const bareToken = await post(overridden, { email: 'bob@example.com', state: 'online' }, DEFAULT_API_TOKEN);
    expect([bareToken.status, await bareToken.json()]).toEqual([401, { message: 'Invalid API token' }]);
    expect(other.agentStatus('bob@example.com')).toMatchObject({ status: 'offline' });
  });

  it('refuses an override the relay and the extension would refuse', async () => {
    await expect(createSandbox({ port: 0, statusRequest: { path: '/api/no-org' } })).rejects.toThrow(/must contain \{orgId\}/);
  });
});
