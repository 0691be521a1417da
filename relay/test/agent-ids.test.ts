// Agent ids are normalised the same way at token issue, at SnapEngage's webhooks and at the phone
// system's call events (NFKC, then lower case): a compatibility spelling is the same agent, a
// homoglyph NFKC does not fold is another one and never reads the real agent's stream.
import { describe, expect, it, afterEach } from 'vitest';
import { normalizeAgentId } from '@switchboard/protocol/agent-id';
import { adaptAgentStatusEvent, adaptConversationEvent } from '../src/snapengage/webhook-adapter';
import { issueRelayToken, verifyRelayToken } from '../src/auth';
import { noticesFor } from '../src/phone-outbox';
import { parseCallEvent } from '../src/phone-routes';
import { assigned, cleanup, connect, SECRET, startRelay } from './helpers';

afterEach(cleanup);

const ALICE = 'alice@example.com';
/** Fullwidth letters and the fullwidth at sign: NFKC folds every one to ASCII. */
const FULLWIDTH = 'Ａｌｉｃｅ＠ｅｘａｍｐｌｅ．ｃｏｍ';
/** The first letter is CYRILLIC SMALL LETTER A (U+0430): looks the same, NFKC leaves it. */
const CYRILLIC = '\u0430lice@example.com';

describe('agent id normalisation', () => {
  it('folds compatibility forms and case, keeps homoglyphs apart', () => {
    expect(normalizeAgentId(FULLWIDTH)).toBe(ALICE);
    expect(normalizeAgentId(' \u212Aate@Example.com ')).toBe('kate@example.com'); // KELVIN SIGN
    expect(normalizeAgentId(CYRILLIC)).not.toBe(ALICE);
    expect(normalizeAgentId(CYRILLIC)).toBe(CYRILLIC);
  });

  it('a token, a webhook recipient, a call event and a notice all use the one spelling', () => {
    expect(issueRelayToken(SECRET, FULLWIDTH).claims.sub).toBe(ALICE);
    expect(verifyRelayToken(SECRET, issueRelayToken(SECRET, FULLWIDTH).token)).toMatchObject({ ok: true, agent: ALICE });
    const conv = adaptConversationEvent({
      event: 'conversation_assigned',
      eventId: 'e1',
      conversation: { id: 'c1' },
      agent: { id: FULLWIDTH },
    });
    expect(conv.ok && conv.event.recipients).toEqual([ALICE]);
    const transfer = adaptConversationEvent({
      event: 'conversation_transferred',
      eventId: 'e2',
      conversation: { id: 'c1' },
      transfer: { fromAgentId: CYRILLIC, toAgentId: FULLWIDTH },
    });
    expect(transfer.ok && transfer.event.recipients).toEqual([ALICE, CYRILLIC]);
    const status = adaptAgentStatusEvent({ agentId: FULLWIDTH, status: 'online' });
    expect(status.ok && status.event.recipients).toEqual([ALICE]);
    const call = parseCallEvent({ agent: FULLWIDTH, state: 'started', callId: 'pbx-1' });
    expect(call.ok && call.event.agent).toBe(ALICE);
    if (!transfer.ok) return;
    const { id, kind, at, data } = transfer.event;
    expect(noticesFor({ id, kind, at, data, agent: ALICE }).map((n) => n.state)).toEqual(['chat-started']);
    expect(noticesFor({ id, kind, at, data, agent: CYRILLIC }).map((n) => n.state)).toEqual(['chat-ended']);
  });

  it("end to end: a fullwidth token reads Alice's stream, a Cyrillic look-alike token does not", async () => {
    const t = await startRelay({ phoneWebhookToken: 'phone-webhook-token-for-tests-0123456789' });
    const fullwidth = await connect(t.relay.wsUrl, { type: 'hello', token: t.tokenFor(FULLWIDTH), after: 0 });
    const lookalike = await connect(t.relay.wsUrl, { type: 'hello', token: t.tokenFor(CYRILLIC), after: 0 });
    expect((await fullwidth.next()).type).toBe('welcome');
    expect((await lookalike.next()).type).toBe('welcome');
    // One webhook addressed in ASCII, one in fullwidth, one call event with the fullwidth at sign: all Alice's.
    const a = assigned(ALICE);
    const b = assigned(FULLWIDTH);
    expect((await t.post('/snapengage/conversation-events', a)).status).toBe(200);
    expect((await t.post('/snapengage/conversation-events', b)).status).toBe(200);
    const call = await t.post(
      '/phone/call-events',
      { agent: 'alice\uFF20example.com', state: 'started', callId: 'pbx-7' },
      { authorization: 'phone-webhook-token-for-tests-0123456789' },
    );
    expect(call.status).toBe(200);
    expect((await fullwidth.events(3)).map((e) => e.id)).toEqual([a.eventId, b.eventId, expect.stringMatching(/^c-/)]);
    // The look-alike's own stream is empty: a webhook for it goes there, and only that one.
    const own = assigned(CYRILLIC);
    expect((await t.post('/snapengage/conversation-events', own)).status).toBe(200);
    expect((await lookalike.events(1)).map((e) => e.id)).toEqual([own.eventId]);
    expect(lookalike.frames.filter((f) => f.type === 'event')).toHaveLength(1);
    const listed = await t.get('/api/events', { authorization: `Bearer ${t.tokenFor(CYRILLIC)}` });
    expect(listed.json.events.map((e: { id: string }) => e.id)).toEqual([own.eventId]);
  });
});
