import { describe, expect, it } from 'vitest';
import { buildStatusRequest, classifyStatusAnswer, retryAfterMs, StatusRequestOverride } from '../src/agent-status-request';

const target = { apiBaseUrl: 'https://www.snapengage.com', orgId: '6418107096367104', apiToken: 'tok-123' };

describe('the Agent Status request', () => {
  it("is today's inference by default: POST /api/v2/{orgId}/agent/status, the bare token, agentId/status/substatus", () => {
    const r = buildStatusRequest(target, { agentId: 'alice@example.com', status: 'pause', substatus: 'Lunch' });
    expect(r).toEqual({
      url: 'https://www.snapengage.com/api/v2/6418107096367104/agent/status',
      method: 'POST',
      headers: { authorization: 'tok-123', 'content-type': 'application/json', accept: 'application/json' },
      body: '{"agentId":"alice@example.com","status":"pause","substatus":"Lunch"}',
    });
    expect(JSON.parse(buildStatusRequest(target, { agentId: 'a@b.c', status: 'online', substatus: 'Lunch' }).body)).toEqual({
      agentId: 'a@b.c',
      status: 'online',
    });
  });

  it('takes an override of the path, each field name and the token scheme; parts not given stay as inferred', () => {
    const override = StatusRequestOverride.parse({
      path: '/v3/orgs/{orgId}/agents/status',
      agentField: 'email',
      substatusField: 'reason',
      auth: 'bearer',
    });
    const r = buildStatusRequest(
      { ...target, apiBaseUrl: 'http://127.0.0.1:8788' },
      { agentId: 'a@b.c', status: 'pause', substatus: 'Break' },
      override,
    );
    expect(r.url).toBe('http://127.0.0.1:8788/v3/orgs/6418107096367104/agents/status');
    expect(r.headers.authorization).toBe('Bearer tok-123');
    expect(JSON.parse(r.body)).toEqual({ email: 'a@b.c', status: 'pause', reason: 'Break' });
  });

  it('refuses overrides that could send the token elsewhere or break the body', () => {
    for (const bad of [
      { path: 'https://evil.example/{orgId}' },
      { path: '//evil.example/{orgId}' },
      { path: '/no/org' },
      { agentField: 'a b' },
      { auth: 'basic' },
      { extra: 1 },
    ]) {
      expect(StatusRequestOverride.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
    // An org id cannot climb out of the path either.
    expect(buildStatusRequest({ ...target, orgId: '../../x' }, { agentId: 'a@b.c', status: 'online' }).url).toBe(
      'https://www.snapengage.com/api/v2/..%2F..%2Fx/agent/status',
    );
  });
});

describe('classifyStatusAnswer', () => {
  it('maps each answer to the class the agent sees', () => {
    expect(classifyStatusAnswer(204, null)).toEqual({ kind: 'ok' });
    expect(classifyStatusAnswer(401, null)).toEqual({ kind: 'rejected', httpStatus: 401 });
    expect(classifyStatusAnswer(403, null)).toEqual({ kind: 'rejected', httpStatus: 403 });
    expect(classifyStatusAnswer(404, null, 'unknown agent')).toEqual({ kind: 'invalid', httpStatus: 404, detail: 'unknown agent' });
    expect(classifyStatusAnswer(400, null)).toEqual({ kind: 'invalid', httpStatus: 400 });
    expect(classifyStatusAnswer(429, '7')).toEqual({ kind: 'retry', reason: 'throttled', httpStatus: 429, retryAfterMs: 7000 });
    expect(classifyStatusAnswer(503, null)).toEqual({ kind: 'retry', reason: 'server', httpStatus: 503 });
  });

  it('reads Retry-After as seconds or a date, capped at an hour', () => {
    const now = Date.parse('2026-11-30T12:00:00Z');
    expect(retryAfterMs('120', now)).toBe(120_000);
    expect(retryAfterMs('Mon, 30 Nov 2026 12:00:30 GMT', now)).toBe(30_000);
    expect(retryAfterMs('999999', now)).toBe(3_600_000);
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs(null, now)).toBeUndefined();
  });
});
