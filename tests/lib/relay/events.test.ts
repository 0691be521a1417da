import { describe, expect, it } from 'vitest';
import { handleEvent } from '@/lib/relay/events';
import { parseSettings } from '@/lib/settings/schema';
import type { RelayState } from '@/lib/relay/state';
import type { EventFrame } from '@switchboard/protocol/frames';

const parsed = parseSettings({ orgId: '6418107096367104', apiToken: 'token-12345678', agentId: 'Alice@Example.com' });
if (!parsed.ok) throw new Error('fixture settings invalid');
const settings = parsed.settings;
const empty: RelayState = { phase: 'connected', lastSeq: 0, openChats: [], notified: [], attempts: 0 };

let seq = 0;
function frame(kind: string, data: Record<string, unknown>, id = `ev-${++seq}`): EventFrame {
  return { type: 'event', seq: ++seq, id, kind, at: new Date(1_764_000_000_000 + seq * 1000).toISOString(), data };
}
const chat = {
  conversationId: 'c1',
  url: 'https://www.snapengage.com/viewcase?c=c1',
  requesterName: 'Sam',
  requesterEmail: 'sam@example.org',
  description: 'Where is my order?',
  widgetId: 'w1',
  agentId: 'alice@example.com',
  createdAt: 1_764_000_000_000,
};

describe('relay events in the extension', () => {
  it('assigned → "New chat" naming the visitor, their question, and the chat opens on click', () => {
    const out = handleEvent(empty, frame('assigned', chat), settings);
    expect(out.notices).toEqual([expect.objectContaining({ title: 'New chat: Sam', message: 'Where is my order?', url: chat.url })]);
    expect(out.state.openChats.map((c) => c.conversationId)).toEqual(['c1']);
  });

  it('a webhook’s link that is not SnapEngage’s is not kept: the popup and the notification get the chat’s viewcase page', () => {
    const hostile = { ...chat, conversationId: 'c 7/x', url: 'https://snapengage.evil.example/login' };
    const out = handleEvent(empty, frame('assigned', hostile), settings);
    const viewcase = 'https://www.snapengage.com/viewcase?c=c%207%2Fx';
    expect(out.notices[0]!.url).toBe(viewcase);
    expect(out.state.openChats[0]!.url).toBe(viewcase);
    const closed = handleEvent(out.state, frame('closed', { ...hostile, url: 'javascript:alert(1)' }), settings);
    expect(closed.notices[0]!.url).toBe(viewcase);
  });

  it('falls back to the visitor email when there is no name', () => {
    const out = handleEvent(empty, frame('assigned', { ...chat, requesterName: undefined }), settings);
    expect(out.notices[0]!.title).toBe('New chat: sam@example.org');
  });

  it('closed → "Chat closed" with its duration, and the chat leaves the open list', () => {
    const opened = handleEvent(empty, frame('assigned', chat), settings).state;
    const out = handleEvent(opened, frame('closed', { ...chat, closedAt: chat.createdAt + 5 * 60_000 + 3000 }), settings);
    expect(out.notices[0]).toMatchObject({ title: 'Chat closed: Sam', message: 'Lasted 5 min 3 s' });
    expect(out.state.openChats).toEqual([]);
  });

  it('each event id is notified at most once, however often it is delivered', () => {
    const first = frame('assigned', chat, 'same-id');
    const once = handleEvent(empty, first, settings);
    const again = handleEvent(once.state, { ...first, seq: first.seq + 10 }, settings);
    expect(once.notices).toHaveLength(1);
    expect(again.notices).toHaveLength(0);
  });

  it('the options choose which kinds notify', () => {
    const quiet = { ...settings, notify: { assigned: false, closed: true, transferred: true } };
    expect(handleEvent(empty, frame('assigned', chat), quiet).notices).toHaveLength(0);
  });

  it('a transfer to me opens the chat; a transfer away closes it without a notice', () => {
    const toMe = handleEvent(
      empty,
      frame('transferred', { ...chat, transfer: { fromAgentId: 'bob@example.com', toAgentId: 'alice@example.com' } }),
      settings,
    );
    expect(toMe.notices[0]!.title).toBe('Chat transferred to you: Sam');
    const away = handleEvent(
      toMe.state,
      frame('transferred', { ...chat, transfer: { fromAgentId: 'alice@example.com', toAgentId: 'bob@example.com' } }),
      settings,
    );
    expect(away.notices).toHaveLength(0);
    expect(away.state.openChats).toEqual([]);
  });

  it('closed before assigned (out of order) does not leave a ghost open chat', () => {
    const closed = handleEvent(empty, frame('closed', chat), settings).state;
    const late = handleEvent(closed, frame('assigned', chat), settings);
    expect(late.state.openChats).toEqual([]);
  });

  it('open chats are newest first', () => {
    let s = handleEvent(empty, frame('assigned', chat), settings).state;
    s = handleEvent(s, frame('assigned', { ...chat, conversationId: 'c2', requesterName: 'Kim' }), settings).state;
    expect(s.openChats.map((c) => c.visitor)).toEqual(['Kim', 'Sam']);
  });

  it('my status changed in SnapEngage is observed; someone else’s is not', () => {
    const mine = handleEvent(
      empty,
      frame('agent_status', { agentId: 'alice@example.com', status: 'pause', substatus: 'Meeting' }),
      settings,
    );
    expect(mine.observed).toMatchObject({ status: 'pause', substatus: 'Meeting', source: 'snapengage' });
    const other = handleEvent(empty, frame('agent_status', { agentId: 'bob@example.com', status: 'pause' }), settings);
    expect(other.observed).toBeUndefined();
  });

  it('unknown kinds are ignored but still advance the resume point', () => {
    const out = handleEvent(empty, frame('escalated', { foo: 1 }), settings);
    expect(out.notices).toEqual([]);
    expect(out.state.lastSeq).toBeGreaterThan(0);
  });

  it('an id the relay routes to me is mine however it is spelled: fullwidth, upper case (NFKC + lower case, as the relay compares)', () => {
    // Settings say Alice@Example.com; SnapEngage spelled her id with a fullwidth ａ and ＠.
    const fullwidth = 'ａlice＠example.com';
    const mine = handleEvent(empty, frame('agent_status', { agentId: fullwidth, status: 'pause' }), settings);
    expect(mine.observed).toMatchObject({ status: 'pause', source: 'snapengage' });
    const toMe = handleEvent(
      empty,
      frame('transferred', { ...chat, transfer: { fromAgentId: 'bob@example.com', toAgentId: fullwidth.toUpperCase() } }),
      settings,
    );
    expect(toMe.notices.map((n) => n.title)).toEqual(['Chat transferred to you: Sam']);
    const away = handleEvent(
      toMe.state,
      frame('transferred', { ...chat, transfer: { fromAgentId: fullwidth, toAgentId: 'bob@example.com' } }),
      settings,
    );
    expect(away.state.openChats).toEqual([]);
    // A look-alike NFKC does not fold (Cyrillic а) is someone else.
    expect(handleEvent(empty, frame('agent_status', { agentId: 'аlice@example.com', status: 'pause' }), settings).observed).toBeUndefined();
  });
});

describe('backlogs after a reconnect', () => {
  it('a first connection applies history silently: open chats, no notifications', () => {
    let s: RelayState = { ...empty, replay: { until: 1000, silent: true, heldClosed: [] } };
    const a = handleEvent(s, frame('assigned', { ...chat, conversationId: 'h1' }), settings);
    expect(a.notices).toEqual([]);
    s = a.state;
    expect(s.openChats.map((c) => c.conversationId)).toEqual(['h1']);
  });

  it('no floods: closed chats in a backlog become one summary; assigned ones keep their own notice', () => {
    const names = ['Ann', 'Ben', 'Cy'];
    let s: RelayState = { ...empty };
    for (const [i, n] of names.entries())
      s = handleEvent(s, frame('assigned', { ...chat, conversationId: `b${i}`, requesterName: n }), settings).state;
    const backlog = [
      ...names.map((_, i) => frame('closed', { ...chat, conversationId: `b${i}` })),
      frame('assigned', { ...chat, conversationId: 'new', requesterName: 'Dot' }),
    ];
    s = { ...s, replay: { until: backlog.at(-1)!.seq, silent: false, heldClosed: [] } };
    const all: string[] = [];
    for (const f of backlog.slice(0, -1)) {
      const out = handleEvent(s, f, settings);
      all.push(...out.notices.map((n) => n.title));
      s = out.state;
    }
    const last = handleEvent(s, backlog.at(-1)!, settings);
    all.push(...last.notices.map((n) => n.title));
    expect(all).toEqual(['New chat: Dot', '3 chats closed while you were away']);
    expect(last.notices[1]!.message).toBe('Ann, Ben, Cy');
    expect(last.state.replay).toBeUndefined();
  });

  it('a backlog with a single closed chat shows it as usual', () => {
    let s: RelayState = { ...handleEvent(empty, frame('assigned', chat), settings).state };
    s = { ...s, replay: { until: seq + 1, silent: false, heldClosed: [] } };
    const out = handleEvent(s, frame('closed', chat), settings);
    expect(out.notices.map((n) => n.title)).toEqual(['Chat closed: Sam']);
  });
});

describe('phone calls the relay applied itself (relay mode, call sync on)', () => {
  const change = (data: Record<string, unknown>, id?: string) =>
    frame('status_change', { agent: 'alice@example.com', source: 'phone-call', callId: 'pbx-1', ...data }, id);

  it('a confirmed change is my status from then, with the source "phone"; someone else’s is not mine', () => {
    const event = change({ status: 'pause', substatus: 'On a call', result: 'confirmed' });
    const out = handleEvent(empty, event, settings);
    expect(out.observed).toEqual({ status: 'pause', substatus: 'On a call', since: Date.parse(event.at), source: 'phone' });
    expect(out.notices).toEqual([]);
    expect(out.failed).toBeUndefined();
    const online = handleEvent(out.state, change({ status: 'online', result: 'confirmed' }), settings);
    expect(online.observed).toMatchObject({ status: 'online', substatus: undefined, source: 'phone' });
    const bobs = handleEvent(
      empty,
      change({ agent: 'bob@example.com', status: 'pause', substatus: 'On a call', result: 'confirmed' }),
      settings,
    );
    expect(bobs.observed).toBeUndefined();
  });

  it('each change is handled once by its id, even redelivered under a new seq', () => {
    const event = change({ status: 'pause', substatus: 'On a call', result: 'rejected', httpStatus: 401 }, 's-once');
    const once = handleEvent(empty, event, settings);
    expect(once.failed).toBeDefined();
    const again = handleEvent(once.state, { ...event, seq: event.seq + 10 }, settings);
    expect(again.failed).toBeUndefined();
    expect(again.observed).toBeUndefined();
    expect(again.state.lastSeq).toBe(event.seq + 10);
  });

  it('a change the relay could not make is a failure the agent reads: rejected → tell IT; invalid with SnapEngage’s words; dropped', () => {
    const failed = (data: Record<string, unknown>) =>
      handleEvent(empty, change({ status: 'pause', substatus: 'On a call', ...data }), settings).failed;
    expect(failed({ result: 'rejected', httpStatus: 403 })).toMatchObject({
      status: 'pause',
      substatus: 'On a call',
      code: 'token-rejected',
      message: "A phone call could not change your status: SnapEngage rejected the relay's API token — tell IT",
    });
    expect(failed({ result: 'invalid', httpStatus: 400, detail: 'unknown substatus' })).toMatchObject({
      code: 'invalid',
      message: 'A phone call could not change your status: SnapEngage refused it (unknown substatus)',
    });
    expect(failed({ result: 'invalid', httpStatus: 422 })?.message).toBe(
      'A phone call could not change your status: SnapEngage refused it (HTTP 422)',
    );
    expect(failed({ result: 'dropped' })?.message).toBe('A phone call could not change your status: the relay could not reach SnapEngage');
    const unknown = handleEvent(empty, change({ status: 'pause', result: 'sideways' }), settings);
    expect([unknown.failed, unknown.observed]).toEqual([undefined, undefined]);
  });

  it('call_handled (the call itself) changes nothing here: no status, no notice', () => {
    const out = handleEvent(empty, frame('call_handled', { agent: 'alice@example.com', state: 'started', callId: 'pbx-1' }), settings);
    expect([out.notices, out.observed, out.failed]).toEqual([[], undefined, undefined]);
    expect(out.state.lastSeq).toBeGreaterThan(0);
  });
});
