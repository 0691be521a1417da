import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSandbox, type Sandbox } from '../../sandbox/server';

let sandbox: Sandbox;
beforeEach(async () => {
  sandbox = await createSandbox({ port: 0 });
});
afterEach(() => sandbox.close());

function postStatus(signal?: AbortSignal) {
  return fetch(`${sandbox.url}/api/v2/${sandbox.orgId}/agent/status`, {
    method: 'POST',
    headers: { Authorization: sandbox.apiToken, 'Content-Type': 'application/json' },
    body: JSON.stringify({ agentId: 'alice@example.com', status: 'pause' }),
    ...(signal && { signal }),
  });
}

function setFailure(body: unknown) {
  return fetch(`${sandbox.url}/__sandbox/failure`, { method: 'POST', body: JSON.stringify(body) });
}

describe('failure on demand', () => {
  it.each(['401', '403', '500', '503'] as const)('answers %s with a message while set', async (mode) => {
    expect((await setFailure({ mode })).status).toBe(200);
    for (let i = 0; i < 2; i++) {
      const res = await postStatus();
      expect(res.status).toBe(Number(mode));
      expect(typeof ((await res.json()) as { message?: unknown }).message).toBe('string');
    }
    expect(sandbox.agentStatus('alice@example.com')?.status).toBe('offline');
  });

  it('sends Retry-After with 429 and heals after `times`', async () => {
    await setFailure({ mode: '429', retryAfter: 7, times: 2 });
    for (let i = 0; i < 2; i++) {
      const res = await postStatus();
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toBe('7');
      expect(res.headers.get('access-control-expose-headers')).toMatch(/Retry-After/);
    }
    expect((await postStatus()).status).toBe(200);
    expect(sandbox.failure()).toBeNull();
    expect(sandbox.requests().map((r) => r.status)).toEqual([429, 429, 200]);
  });

  it('sends a default Retry-After with 429', async () => {
    sandbox.setFailure({ mode: '429' });
    const res = await postStatus();
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('also fails the Logs API', async () => {
    sandbox.setFailure({ mode: '500', times: 1 });
    const res = await fetch(`${sandbox.url}/api/v2/${sandbox.orgId}/logs`, { headers: { Authorization: sandbox.apiToken } });
    expect(res.status).toBe(500);
  });

  it('mode none clears the failure', async () => {
    sandbox.setFailure({ mode: '500' });
    await setFailure({ mode: 'none' });
    expect((await postStatus()).status).toBe(200);
  });

  it('rejects an unknown mode with 400', async () => {
    expect((await setFailure({ mode: '418' })).status).toBe(400);
  });

  it('hang never answers, is recorded as hang, and close() still finishes', async () => {
    sandbox.setFailure({ mode: 'hang', times: 1 });
    const started = Date.now();
    await expect(postStatus(AbortSignal.timeout(300))).rejects.toThrow();
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(sandbox.requests()[0]?.status).toBe('hang');
    // healed after one: the next request is answered
    expect((await postStatus()).status).toBe(200);
    // a request left hanging must not keep close() waiting
    sandbox.setFailure({ mode: 'hang' });
    const pending = postStatus().catch((err: unknown) => err);
    await new Promise((r) => setTimeout(r, 50));
    await sandbox.close();
    expect(await pending).toBeInstanceOf(Error);
  });
});
