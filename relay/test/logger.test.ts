import { afterEach, expect, it } from 'vitest';
import { verifyRelayToken } from '../src/auth';
import { createLogger } from '../src/logger';
import { assigned, cleanup, connect, SECRET, startRelay, WEBHOOK_TOKEN } from './helpers';

afterEach(cleanup);

it('no token or secret ever appears in a log line', async () => {
  const t = await startRelay({ logLevel: 'trace' });
  const good = t.tokenFor('alice@example.com');
  const revoked = t.tokenFor('alice@example.com', 1);
  const wrongWebhook = 'wrong-webhook-token-value-123';
  const v = verifyRelayToken(SECRET, revoked);
  if (!v.ok) throw new Error('unexpected');
  await t.relay.store.revokeToken(v.jti);

  await t.post('/snapengage/conversation-events', assigned('alice@example.com'));
  await t.post('/snapengage/conversation-events', assigned('alice@example.com'), { authorization: `Bearer ${WEBHOOK_TOKEN}` });
  await t.post('/snapengage/conversation-events', assigned('alice@example.com'), { authorization: wrongWebhook });
  await t.post('/snapengage/agent-status', 'not json');
  await t.post('/snapengage/agent-status', { agentId: 'alice@example.com', status: 'nope' });
  await t.get('/api/events', { authorization: `Bearer ${good}` });
  await t.get('/api/events', { authorization: `Bearer ${revoked}` });
  await t.get('/api/events', { authorization: `Bearer ${good}x` });
  const c = await connect(t.relay.wsUrl, { type: 'hello', token: good, after: 0 });
  await c.events(2);
  for (const token of [revoked, `${good}x`, 'garbage-token-value']) {
    const bad = await connect(t.relay.wsUrl, { type: 'hello', token, after: 0 });
    await bad.closed;
  }
  const badFrame = await connect(t.relay.wsUrl, JSON.stringify({ type: 'hello', token: good, after: -1 }));
  await badFrame.closed;
  await t.close();

  expect(t.logs.length).toBeGreaterThan(10);
  const text = t.logs.join('');
  for (const secret of [
    good,
    revoked,
    wrongWebhook,
    WEBHOOK_TOKEN,
    SECRET,
    'garbage-token-value',
    good.split('.')[2]!,
    revoked.split('.')[2]!,
  ]) {
    expect(text).not.toContain(secret);
  }
  for (const line of t.logs) expect(() => JSON.parse(line)).not.toThrow();
  expect(text).toContain('"msg":"webhook stored"');
  expect(text).toContain('token revoked');
});

it('redacts token-bearing fields if code ever logs them', () => {
  const lines: string[] = [];
  const logger = createLogger('info', { write: (l: string) => void lines.push(l) });
  logger.info(
    { req: { headers: { authorization: 'Bearer sekrit1', authentication: 'sekrit2' } }, token: 'sekrit3', hello: { token: 'sekrit4' } },
    'x',
  );
  expect(lines.join('')).not.toMatch(/sekrit/);
  expect(lines.join('')).toContain('[redacted]');
});
