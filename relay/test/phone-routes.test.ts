// POST /phone/call-events: a phone system's call started/ended, stored durably as kind `call` and
// forwarded to that agent's websockets only.
import { afterEach, describe, expect, it } from 'vitest';
import { EventFrame } from '@switchboard/protocol/frames';
import { CALL_KIND, CallData } from '@switchboard/protocol/phone';
import { callEventId } from '../src/phone-routes';
import { assigned, cleanup, connect, requestFrom, sleep, startRelay, WEBHOOK_TOKEN } from './helpers';

afterEach(cleanup);

const PHONE = '/phone/call-events';
const PHONE_TOKEN = 'phone-webhook-token-for-tests-0123456789';
const auth = { authorization: PHONE_TOKEN };

async function relayWithPhone() {
  const t = await startRelay({ phoneWebhookToken: PHONE_TOKEN });
  const post = (body: unknown, headers: Record<string, string> = auth) => t.post(PHONE, body, headers);
  return { t, post };
}

describe('POST /phone/call-events', () => {
  it('stores call started/ended as `call` events and forwards them to that agent only', async () => {
    const { t, post } = await relayWithPhone();
    const alice = await connect(t.relay.wsUrl, { type: 'hello', token: t.tokenFor('alice@example.com'), after: 0 });
    const bob = await connect(t.relay.wsUrl, { type: 'hello', token: t.tokenFor('bob@example.com'), after: 0 });
    expect(await alice.next()).toMatchObject({ type: 'welcome' });
    expect(await bob.next()).toMatchObject({ type: 'welcome' });

    const started = await post({ agent: 'Alice@Example.com', state: 'started', callId: 'call-1', at: '2025-11-24T16:00:00.000Z' });
    expect(started).toEqual({ status: 200, json: { ok: true, seq: 1, duplicate: false } });
    const ended = await post({ agent: 'alice@example.com', state: 'ended', callId: 'call-1' }, { authorization: `Bearer ${PHONE_TOKEN}` });
    expect(ended).toEqual({ status: 200, json: { ok: true, seq: 2, duplicate: false } });

    const frames = await alice.events(2);
    expect(frames.map((f) => EventFrame.safeParse(f).success)).toEqual([true, true]);
    expect(frames[0]).toEqual({
      type: 'event',
      seq: 1,
      id: callEventId('call-1', 'started'),
      kind: CALL_KIND,
      at: '2025-11-24T16:00:00.000Z',
      data: { agent: 'alice@example.com', state: 'started', callId: 'call-1' },
    });
    expect(frames[1]).toMatchObject({ seq: 2, kind: 'call', data: { agent: 'alice@example.com', state: 'ended', callId: 'call-1' } });
    expect(frames.every((f) => CallData.safeParse(f.data).success)).toBe(true);
    // no `at` → the receive time
    expect(Math.abs(Date.parse(frames[1].at) - Date.now())).toBeLessThan(10_000);

    // bob got nothing: his next frame is his own event, posted after alice's
    expect((await t.post('/snapengage/conversation-events', assigned('bob@example.com'))).status).toBe(200);
    const [bobFirst] = await bob.events(1);
    expect(bobFirst).toMatchObject({ seq: 3, kind: 'assigned' });

    // stored durably: the REST endpoint and a restart see them
    const listed = await t.get('/api/events', { authorization: `Bearer ${t.tokenFor('alice@example.com')}` });
    expect(listed.json.events.map((e: any) => [e.kind, e.data.state])).toEqual([
      ['call', 'started'],
      ['call', 'ended'],
    ]);
    await t.close();
    const again = await startRelay({ dir: t.dir, phoneWebhookToken: PHONE_TOKEN });
    const relisted = await again.get('/api/events', { authorization: `Bearer ${again.tokenFor('alice@example.com')}` });
    expect(relisted.json.events).toHaveLength(2);
  });

  it('a repeated delivery is answered 200 and not forwarded twice', async () => {
    const { t, post } = await relayWithPhone();
    const alice = await connect(t.relay.wsUrl, { type: 'hello', token: t.tokenFor('alice@example.com'), after: 0 });
    await alice.next();
    const body = { agent: 'alice@example.com', state: 'started', callId: 'abc' };
    expect((await post(body)).json).toEqual({ ok: true, seq: 1, duplicate: false });
    // same call and state, another spelling of the agent and another time: still the same event
    expect((await post({ ...body, agent: 'ALICE@example.com', at: Date.now() })).json).toEqual({ ok: true, seq: 1, duplicate: true });
    expect((await post({ ...body, state: 'ended' })).json).toEqual({ ok: true, seq: 2, duplicate: false });
    expect((await post({ ...body, state: 'ended' })).json).toEqual({ ok: true, seq: 2, duplicate: true });
    await alice.events(2);
    await sleep(150);
    expect(alice.frames.filter((f) => f.type === 'event').map((f) => f.data.state)).toEqual(['started', 'ended']);
    const metrics = await t.get('/metrics');
    expect(metrics.text).toContain('relay_phone_call_events_accepted_total 4');
  });

  it('rejects bad input with 401/415/400/413/405 naming the problem, and keeps serving', async () => {
    const { t, post } = await relayWithPhone();
    const good = { agent: 'alice@example.com', state: 'started', callId: 'c-1' };

    expect(await post(good, {})).toEqual({ status: 401, json: { error: 'missing or wrong phone webhook token' } });
    expect((await post(good, { authorization: 'wrong' })).status).toBe(401);
    // SnapEngage's token is not the phone system's
    expect((await post(good, { authorization: WEBHOOK_TOKEN })).status).toBe(401);
    expect((await post(good, { authorization: `Bearer ${PHONE_TOKEN}`, 'content-type': 'text/plain' })).status).toBe(415);
    expect(await post('{not json', auth)).toEqual({ status: 400, json: { error: 'body is not valid JSON' } });
    expect(await post([good], auth)).toEqual({ status: 400, json: { error: 'body must be a JSON object' } });

    const cases: [Record<string, unknown>, RegExp][] = [
      [{ state: 'started', callId: 'c' }, /^agent is missing$/],
      [{ ...good, agent: 'not-an-email' }, /^agent .*email/],
      [{ ...good, agent: 42 }, /^agent /],
      [{ agent: 'a@b.c', callId: 'c' }, /^state is missing$/],
      [{ ...good, state: 'ringing' }, /^state must be "started" or "ended"$/],
      [{ agent: 'a@b.c', state: 'ended' }, /^callId is missing$/],
      [{ ...good, callId: '' }, /^callId must be/],
      [{ ...good, callId: 'x'.repeat(201) }, /^callId must be/],
      [{ ...good, at: 'yesterday' }, /^at must be epoch ms or an ISO 8601 string$/],
      [{ ...good, at: true }, /^at must be/],
    ];
    for (const [body, message] of cases) {
      const res = await post(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.json.error).toMatch(message);
    }

    // node:http rather than fetch: the relay answers 413 and closes before the upload ends, which fetch may report as an error.
    const big = await requestFrom(t.relay.url, PHONE, {
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ ...good, pad: 'x'.repeat(100_000) }),
    });
    expect({ status: big.status, json: big.json }).toEqual({ status: 413, json: { error: 'body is larger than 65536 bytes' } });
    const chunked = await requestFrom(t.relay.url, PHONE, {
      headers: { ...auth, 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      body: ' '.repeat(200_000),
    });
    expect(chunked.status).toBe(413);
    expect((await requestFrom(t.relay.url, PHONE, { method: 'GET', headers: auth })).status).toBe(405);

    // still serving, and nothing bad was stored
    expect((await post(good)).json).toEqual({ ok: true, seq: 1, duplicate: false });
    const metrics = (await t.get('/metrics')).text;
    expect(metrics).toContain('relay_phone_call_events_rejected_total{reason="unauthorized"} 3');
    expect(metrics).toContain('relay_phone_call_events_rejected_total{reason="unsupported_media_type"} 1');
    expect(metrics).toContain('relay_phone_call_events_rejected_total{reason="bad_json"} 1');
    expect(metrics).toContain('relay_phone_call_events_rejected_total{reason="too_large"} 2');
    expect(metrics).toContain(`relay_phone_call_events_rejected_total{reason="bad_payload"} ${cases.length + 1}`);
    // phone rejections are not SnapEngage webhook rejections
    expect(metrics).not.toMatch(/relay_webhooks_rejected_total\{reason="unauthorized"\}/);
  });

  it('refuses a body that is not valid UTF-8 (400, counted as bad_json), as the SnapEngage webhooks do: nothing is stored', async () => {
    const { t, post } = await relayWithPhone();
    const alice = await connect(t.relay.wsUrl, { type: 'hello', token: t.tokenFor('alice@example.com'), after: 0 });
    await alice.next();
    // A valid call event whose callId carries 0xFF: a lenient decode would store U+FFFD in its place.
    const bytes = Buffer.concat([
      Buffer.from('{"agent":"alice@example.com","state":"started","callId":"c-'),
      Buffer.from([0xff]),
      Buffer.from('"}'),
    ]);
    const res = await fetch(t.relay.url + PHONE, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: bytes });
    expect({ status: res.status, json: await res.json() }).toEqual({ status: 400, json: { error: 'body is not valid JSON' } });
    expect((await t.get('/metrics')).text).toContain('relay_phone_call_events_rejected_total{reason="bad_json"} 1');
    const listed = await t.get('/api/events', { authorization: `Bearer ${t.tokenFor('alice@example.com')}` });
    expect(listed.json.events).toEqual([]);
    // The same event in valid UTF-8 is stored, and is the first thing alice is sent.
    expect((await post({ agent: 'alice@example.com', state: 'started', callId: 'c-ÿ' })).json).toEqual({
      ok: true,
      seq: 1,
      duplicate: false,
    });
    expect((await alice.events(1))[0]).toMatchObject({ seq: 1, data: { callId: 'c-ÿ' } });
  });

  it('answers 404 "phone sync is not configured" without PHONE_WEBHOOK_TOKEN', async () => {
    const t = await startRelay();
    const body = { agent: 'alice@example.com', state: 'started', callId: 'c-1' };
    expect(await t.post(PHONE, body, auth)).toEqual({ status: 404, json: { error: 'phone sync is not configured' } });
    expect(await t.post(PHONE, body, { authorization: WEBHOOK_TOKEN })).toEqual({
      status: 404,
      json: { error: 'phone sync is not configured' },
    });
    expect((await t.post('/snapengage/conversation-events', assigned('alice@example.com'))).json).toMatchObject({ ok: true, seq: 1 });
  });
});
