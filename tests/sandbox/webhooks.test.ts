import { afterEach, describe, expect, it } from 'vitest';
import { createSandbox, type Sandbox } from '../../sandbox/server';
import { backoffDelay, deliverWebhook } from '../../sandbox/webhook-sender';
import { startReceiver } from './receiver';

const fast = { initialDelayMs: 10, maxDelayMs: 40 };
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

async function setup(
  opts: { failFirst?: number; failStatus?: number; header?: 'Authorization' | 'Authentication'; maxAttempts?: number } = {},
) {
  const receiver = await startReceiver(opts);
  cleanups.push(receiver.close);
  const sandbox: Sandbox = await createSandbox({
    port: 0,
    webhook: {
      conversationUrl: `${receiver.url}/snapengage/conversation-events`,
      statusUrl: `${receiver.url}/snapengage/agent-status`,
      token: 'hook-token',
      ...(opts.header && { header: opts.header }),
      ...(opts.maxAttempts && { maxAttempts: opts.maxAttempts }),
      ...fast,
    },
  });
  cleanups.push(sandbox.close);
  return { receiver, sandbox };
}

describe('webhook delivery', () => {
  it('POSTs the event with the bare token in Authorization', async () => {
    const { receiver, sandbox } = await setup();
    const result = await sandbox.fire('assigned', { agent: 'alice@example.com', visitorName: 'Sam', question: 'Where is my order?' });
    expect(result).toMatchObject({ status: 200, ok: true, attempts: 1 });
    expect(receiver.received).toHaveLength(1);
    const [got] = receiver.received;
    expect(got?.path).toBe('/snapengage/conversation-events');
    expect(got?.headers.authorization).toBe('hook-token');
    expect(got?.headers['content-type']).toBe('application/json');
    expect(got?.body).toEqual(result.body);
    expect(got?.body).toMatchObject({
      event: 'conversation_assigned',
      agent: { id: 'alice@example.com' },
      conversation: { requesterName: 'Sam', description: 'Where is my order?' },
    });
  });

  it('retries non-200 answers with backoff until the receiver answers 200', async () => {
    const { receiver, sandbox } = await setup({ failFirst: 3 });
    const result = await sandbox.fire('closed', { agent: 'alice@example.com' });
    expect(result).toMatchObject({ status: 200, ok: true, attempts: 4 });
    expect(receiver.received).toHaveLength(4);
    const ids = new Set(receiver.received.map((r) => (r.body as { eventId: string }).eventId));
    expect(ids.size).toBe(1);
    const gaps = receiver.received.slice(1).map((r, i) => r.at - (receiver.received[i]?.at ?? 0));
    expect(gaps[0]).toBeGreaterThanOrEqual(8);
    expect(sandbox.deliveries()).toHaveLength(1);
  });

  it('treats 2xx other than 200 as a failure, like SnapEngage', async () => {
    const { sandbox } = await setup({ failFirst: 1, failStatus: 204 });
    expect((await sandbox.fire('queued')).attempts).toBe(2);
  });

  it('gives up after maxAttempts', async () => {
    const { receiver, sandbox } = await setup({ failFirst: 100, maxAttempts: 3 });
    const result = await sandbox.fire('responded', { agent: 'alice@example.com' });
    expect(result).toMatchObject({ status: 500, ok: false, attempts: 3 });
    expect(receiver.received).toHaveLength(3);
  });

  it('retries network errors', async () => {
    const result = await deliverWebhook('http://127.0.0.1:9/nothing', { a: 1 }, { maxAttempts: 2, ...fast });
    expect(result).toMatchObject({ status: null, ok: false, attempts: 2 });
    expect(result.error).toBeTruthy();
  });

  it('backs off from 200 ms doubling up to ~5 s by default', () => {
    expect([1, 2, 3, 4, 5, 6, 10].map((n) => backoffDelay(n, 200, 5000))).toEqual([200, 400, 800, 1600, 3200, 5000, 5000]);
  });

  it('can send the token in Authentication instead', async () => {
    const { receiver, sandbox } = await setup({ header: 'Authentication' });
    await sandbox.fire('queued');
    expect(receiver.received[0]?.headers.authentication).toBe('hook-token');
    expect(receiver.received[0]?.headers.authorization).toBeUndefined();
  });

  it('delivers a duplicate on demand: the same body twice', async () => {
    const { receiver, sandbox } = await setup();
    const result = await sandbox.fire('assigned', { agent: 'bob@example.com', duplicate: true });
    expect(result.duplicate?.status).toBe(200);
    expect(receiver.received).toHaveLength(2);
    expect(receiver.received[0]?.body).toEqual(receiver.received[1]?.body);
  });

  it('delivers a batch out of order', async () => {
    const { receiver, sandbox } = await setup();
    await sandbox.fireBatch(
      [
        { kind: 'assigned', agent: 'alice@example.com', conversationId: 'c-9' },
        { kind: 'responded', agent: 'alice@example.com', conversationId: 'c-9' },
        { kind: 'closed', agent: 'alice@example.com', conversationId: 'c-9' },
      ],
      'reverse',
    );
    expect(receiver.received.map((r) => (r.body as { event: string }).event)).toEqual([
      'conversation_closed',
      'conversation_responded',
      'conversation_assigned',
    ]);
  });

  it('keeps one conversation across events fired for the same agent', async () => {
    const { receiver, sandbox } = await setup();
    await sandbox.fire('assigned', { agent: 'alice@example.com', visitorName: 'Kim' });
    await sandbox.fire('responded', { agent: 'alice@example.com' });
    await sandbox.fire('transferred', { agent: 'bob@example.com', fromAgent: 'alice@example.com' });
    const bodies = receiver.received.map((r) => r.body as { conversation: { id: string; requesterName: string } });
    expect(new Set(bodies.map((b) => b.conversation.id)).size).toBe(1);
    expect(bodies.every((b) => b.conversation.requesterName === 'Kim')).toBe(true);
    expect(bodies[2]).toMatchObject({ transfer: { fromAgentId: 'alice@example.com', toAgentId: 'bob@example.com' } });
  });

  it('sends each spelling variant as asked', async () => {
    const { receiver, sandbox } = await setup();
    await sandbox.fire('broadcasted', { spelling: 'broadcasting' });
    await sandbox.fire('assigned', { agent: 'alice@example.com', spelling: ['case', 'snake', 'seconds', 'no-event-id'] });
    expect(receiver.received[0]?.body).toMatchObject({ event: 'broadcasting' });
    const snake = receiver.received[1]?.body as Record<string, unknown>;
    expect(snake).toMatchObject({ event: 'case_assigned', agent_id: 'alice@example.com' });
    expect(snake).not.toHaveProperty('event_id');
    expect(String(snake.timestamp)).toHaveLength(10);
  });

  it('fires over HTTP too, and refuses unknown kinds', async () => {
    const { receiver, sandbox } = await setup();
    const res = await fetch(`${sandbox.url}/__sandbox/fire`, {
      method: 'POST',
      body: JSON.stringify({ kind: 'labeled', agent: 'alice@example.com', labels: [{ name: 'topic', value: 'returns' }] }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 200, attempts: 1 });
    expect(receiver.received[0]?.body).toMatchObject({ event: 'conversation_labeled', labels: [{ name: 'topic', value: 'returns' }] });
    const bad = await fetch(`${sandbox.url}/__sandbox/fire`, { method: 'POST', body: JSON.stringify({ kind: 'exploded' }) });
    expect(bad.status).toBe(400);
    const batch = await fetch(`${sandbox.url}/__sandbox/fire`, {
      method: 'POST',
      body: JSON.stringify({ batch: [{ kind: 'assigned' }, { kind: 'closed' }], order: 'reverse' }),
    });
    expect(batch.status).toBe(200);
    expect(((await batch.json()) as unknown[]).length).toBe(2);
  });

  it('answers 202 at once with wait:false, and close() stops retries in flight', async () => {
    const receiver = await startReceiver({ failFirst: 1000 });
    cleanups.push(receiver.close);
    const sandbox = await createSandbox({
      port: 0,
      webhook: { conversationUrl: receiver.url, initialDelayMs: 60_000 },
    });
    const res = await fetch(`${sandbox.url}/__sandbox/fire`, { method: 'POST', body: JSON.stringify({ kind: 'queued', wait: false }) });
    expect(res.status).toBe(202);
    const pending = sandbox.fire('queued');
    await new Promise((r) => setTimeout(r, 100));
    const started = Date.now();
    await sandbox.close();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await pending).toMatchObject({ ok: false, error: 'aborted' });
  });

  it('refuses to fire without a configured URL; config can be changed at runtime', async () => {
    const receiver = await startReceiver();
    cleanups.push(receiver.close);
    const sandbox = await createSandbox({ port: 0 });
    cleanups.push(sandbox.close);
    await expect(sandbox.fire('assigned')).rejects.toThrow(/No conversation webhook URL/);
    expect((await fetch(`${sandbox.url}/__sandbox/fire`, { method: 'POST', body: '{"kind":"assigned"}' })).status).toBe(409);
    const res = await fetch(`${sandbox.url}/__sandbox/config`, {
      method: 'POST',
      body: JSON.stringify({ conversationUrl: `${receiver.url}/c`, token: 'rotated' }),
    });
    expect(res.status).toBe(200);
    await sandbox.fire('assigned');
    expect(receiver.received[0]?.headers.authorization).toBe('rotated');
  });
});

describe('agent status webhook', () => {
  it('a change made in the Hub sets the status and sends the webhook', async () => {
    const { receiver, sandbox } = await setup();
    const res = await fetch(`${sandbox.url}/__sandbox/agents/alice%40example.com/status`, {
      method: 'POST',
      body: JSON.stringify({ status: 'pause', substatus: 'Meeting' }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ agent: { status: 'pause', substatus: 'Meeting' }, delivery: { status: 200 } });
    expect(sandbox.agentStatus('alice@example.com')?.status).toBe('pause');
    expect(receiver.received[0]?.path).toBe('/snapengage/agent-status');
    expect(receiver.received[0]?.body).toMatchObject({
      agentId: 'alice@example.com',
      status: 'pause',
      substatus: 'Meeting',
      previousStatus: 'offline',
    });
    expect(typeof (receiver.received[0]?.body as { timestamp?: unknown } | undefined)?.timestamp).toBe('number');
    const offline = await sandbox.changeStatusInHub('alice@example.com', 'offline');
    expect(offline.delivery?.body).toMatchObject({ status: 'offline', previousStatus: 'pause' });
    await expect(sandbox.changeStatusInHub('nobody@example.com', 'online')).rejects.toThrow(/Unknown agent/);
  });

  it('a Hub change made at a given time carries that time, in the webhook and the agent state', async () => {
    const { receiver, sandbox } = await setup();
    const at = Date.parse('2026-03-02T09:15:00.000Z');
    const { agent, delivery } = await sandbox.changeStatusInHub('alice@example.com', 'pause', 'Lunch', at);
    expect(delivery?.status).toBe(200);
    expect(agent.updatedAt).toBe('2026-03-02T09:15:00.000Z');
    expect(receiver.received[0]?.body).toMatchObject({ status: 'pause', substatus: 'Lunch', timestamp: at });
  });

  it("echoes the agent's own API change as a status webhook", async () => {
    const { receiver, sandbox } = await setup();
    const res = await fetch(`${sandbox.url}/api/v2/${sandbox.orgId}/agent/status`, {
      method: 'POST',
      headers: { Authorization: sandbox.apiToken, 'Content-Type': 'application/json' },
      body: JSON.stringify({ agentId: 'bob@example.com', status: 'online' }),
    });
    expect(res.status).toBe(200);
    await sandbox.idle();
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0]?.body).toMatchObject({ agentId: 'bob@example.com', status: 'online', previousStatus: 'offline' });
  });

  it('sends no status webhook when no status URL is configured', async () => {
    const sandbox = await createSandbox({ port: 0 });
    cleanups.push(sandbox.close);
    expect((await sandbox.changeStatusInHub('alice@example.com', 'online')).delivery).toBeNull();
  });
});
