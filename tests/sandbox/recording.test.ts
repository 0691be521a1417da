import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox, type RecordedRequest, type Sandbox } from '../../sandbox/server';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await createSandbox({ port: 0, orgId: '42', apiToken: 'secret-token-value', agents: ['carol@example.com'] });
});
afterAll(() => sandbox.close());

describe('request recording', () => {
  it('records method, path, query, headers with the token, parsed body and the answer, oldest first', async () => {
    await fetch(`${sandbox.url}/api/v2/42/agent/status`, {
      method: 'POST',
      headers: { Authorization: 'secret-token-value', 'Content-Type': 'application/json' },
      body: JSON.stringify({ agentId: 'carol@example.com', status: 'pause', substatus: 'Call' }),
    });
    await fetch(`${sandbox.url}/api/v2/42/logs?widgetId=w1&start=2025-01-01&end=2025-01-31`, { headers: { Authorization: 'bad' } });
    await fetch(`${sandbox.url}/__sandbox/agents/carol%40example.com`); // control traffic is not recorded

    const log = (await (await fetch(`${sandbox.url}/__sandbox/requests`)).json()) as RecordedRequest[];
    expect(log).toHaveLength(2);
    expect(log[0]).toMatchObject({
      method: 'POST',
      path: '/api/v2/42/agent/status',
      body: { agentId: 'carol@example.com', status: 'pause', substatus: 'Call' },
      status: 200,
    });
    expect(log[0]?.headers.authorization).toBe('secret-token-value');
    expect(log[1]).toMatchObject({
      method: 'GET',
      path: '/api/v2/42/logs',
      query: { widgetId: 'w1', start: '2025-01-01', end: '2025-01-31' },
      status: 401,
      body: null,
    });
    expect(Date.parse(log[0]?.time ?? '')).not.toBeNaN();
    expect(sandbox.requests()).toEqual(log);
  });

  it('keeps a body that is not JSON as text', async () => {
    sandbox.clearRequests();
    await fetch(`${sandbox.url}/api/v2/42/agent/status`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: 'hello' });
    expect(sandbox.requests()[0]?.body).toBe('hello');
  });

  it('shows statuses and the log on an HTML page with the token masked', async () => {
    const res = await fetch(`${sandbox.url}/__sandbox`);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    const html = await res.text();
    expect(html).toContain('carol@example.com');
    expect(html).toContain('pause');
    expect(html).toContain('/api/v2/42/agent/status');
    expect(html).toContain('secr…');
    expect(html).not.toContain('secret-token-value');
    expect(html).toContain('http-equiv="refresh"');
  });

  it('DELETE /__sandbox/requests clears the log', async () => {
    expect((await fetch(`${sandbox.url}/__sandbox/requests`, { method: 'DELETE' })).status).toBe(200);
    expect(sandbox.requests()).toEqual([]);
  });

  it('answers 404 for an unknown agent read and unknown sandbox routes', async () => {
    expect((await fetch(`${sandbox.url}/__sandbox/agents/zed%40example.com`)).status).toBe(404);
    expect((await fetch(`${sandbox.url}/__sandbox/nothing`)).status).toBe(404);
  });
});
