// Every list the extension stores has a cap: however many events, calls, notices or changes
// arrive, storage never grows without bound. Each list is driven past its cap through the code
// that writes it, and the newest entries are the ones kept.
import type { EventFrame } from '@switchboard/protocol/frames';
import { beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing';
import { createAutomation } from '@/lib/automation/automation';
import { automationItem, CALLS_LIMIT, HELD_LIMIT } from '@/lib/automation/state';
import { createOutcomeHandler } from '@/lib/background/outcome';
import { SHOWN_LIMIT, showNotices } from '@/lib/notifications/notify';
import { handleEvent } from '@/lib/relay/events';
import { HELD_CLOSED_LIMIT, NOTIFIED_LIMIT, OPEN_CHATS_LIMIT, type RelayState } from '@/lib/relay/state';
import { checkPolicy } from '@/lib/settings/managed';
import { MAX_SUBSTATUSES, parseSettings } from '@/lib/settings/schema';
import { settingsItem } from '@/lib/settings/store';
import type { StatusSender } from '@/lib/status/sender';
import { HISTORY_LIMIT, withConfirmed, type StatusState } from '@/lib/status/state';
import { statusItem } from '@/lib/status/store';

const SETTINGS = { orgId: '6418107096367104', apiToken: 'token-12345678', agentId: 'alice@example.com' };
const parsed = parseSettings(SETTINGS);
if (!parsed.ok) throw new Error('fixture settings invalid');
const settings = parsed.settings;
const empty: RelayState = { phase: 'connected', lastSeq: 0, openChats: [], notified: [], attempts: 0 };

let seq = 0;
const frame = (kind: string, conversationId: string): EventFrame => ({
  type: 'event',
  seq: ++seq,
  id: `ev-${seq}`,
  kind,
  at: new Date(1_764_000_000_000 + seq * 1000).toISOString(),
  data: { conversationId, requesterName: `Visitor ${conversationId}`, agentId: 'alice@example.com', createdAt: 1_764_000_000_000 },
});
const run = (state: RelayState, frames: EventFrame[]) => frames.reduce((s, f) => handleEvent(s, f, settings).state, state);
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

beforeEach(() => fakeBrowser.reset());

describe('every stored list is capped, keeping the newest', () => {
  it(`open chats: at most ${OPEN_CHATS_LIMIT}, newest first`, () => {
    const state = run(
      empty,
      range(OPEN_CHATS_LIMIT + 10).map((i) => frame('assigned', `c${i}`)),
    );
    expect(state.openChats).toHaveLength(OPEN_CHATS_LIMIT);
    expect(state.openChats[0]!.conversationId).toBe(`c${OPEN_CHATS_LIMIT + 9}`);
    expect(state.openChats.at(-1)!.conversationId).toBe('c10');
  });

  it(`event ids notified and conversations seen closed: at most ${NOTIFIED_LIMIT} each, newest last`, () => {
    const frames = range(NOTIFIED_LIMIT + 50).map((i) => frame('closed', `k${i}`));
    const state = run(empty, frames);
    expect(state.notified).toHaveLength(NOTIFIED_LIMIT);
    expect(state.notified.at(-1)).toBe(frames.at(-1)!.id);
    expect(state.closedIds).toHaveLength(NOTIFIED_LIMIT);
    expect(state.closedIds!.at(-1)).toBe(`k${NOTIFIED_LIMIT + 49}`);
  });

  it(`chat-closed notices held while a backlog replays: at most ${HELD_CLOSED_LIMIT}`, () => {
    const frames = range(HELD_CLOSED_LIMIT + 10).map((i) => frame('closed', `b${i}`));
    const state = run({ ...empty, replay: { until: seq + 1000, silent: false, heldClosed: [] } }, frames);
    expect(state.replay!.heldClosed).toHaveLength(HELD_CLOSED_LIMIT);
    expect(state.replay!.heldClosed.at(-1)!.subject).toBe(`Visitor b${HELD_CLOSED_LIMIT + 9}`);
  });

  it(`today’s changes (the status history): at most ${HISTORY_LIMIT}, newest last`, () => {
    let state: StatusState = { confirmed: null, intent: null, failure: null, history: [] };
    for (const i of range(HISTORY_LIMIT + 25))
      state = withConfirmed(state, { status: i % 2 ? 'online' : 'pause', since: i, source: 'popup' });
    expect(state.history).toHaveLength(HISTORY_LIMIT);
    expect(state.history.at(-1)!.since).toBe(HISTORY_LIMIT + 24);
  });

  it(`phone calls in progress: at most ${CALLS_LIMIT}`, async () => {
    const sender = { request: async () => ({}) } as unknown as StatusSender;
    const automation = createAutomation(() => sender);
    for (const i of range(CALLS_LIMIT + 5)) await automation.callStarted(`call-${i}`, 'On a call');
    const { calls } = await automationItem.get();
    expect(calls).toHaveLength(CALLS_LIMIT);
    expect(calls.at(-1)).toBe(`call-${CALLS_LIMIT + 4}`);
  });

  it(`notices held by quiet mode while paused: at most ${HELD_LIMIT}`, async () => {
    await settingsItem.set({ ...SETTINGS, quietWhilePaused: true });
    await statusItem.set({ confirmed: { status: 'pause', since: 1, source: 'popup' }, intent: null, failure: null, history: [] });
    const handle = createOutcomeHandler(
      { observe: async () => undefined } as unknown as StatusSender,
      {
        chatsChanged: async () => undefined,
      } as unknown as ReturnType<typeof createAutomation>,
    );
    for (const i of range(HELD_LIMIT + 7)) {
      const event = frame('closed', `q${i}`);
      await handle([
        {
          event,
          openBefore: 0,
          outcome: { state: empty, notices: [{ id: event.id, kind: 'closed', title: `Chat closed: ${i}`, message: '' }] },
        },
      ]);
    }
    const { held } = await automationItem.get();
    expect(held).toHaveLength(HELD_LIMIT);
    expect(held.at(-1)!.title).toBe(`Chat closed: ${HELD_LIMIT + 6}`);
  });

  it(`notifications remembered for their click: at most ${SHOWN_LIMIT}`, async () => {
    await showNotices(range(SHOWN_LIMIT + 15).map((i) => ({ id: `n${i}`, kind: 'assigned', title: `New chat ${i}`, message: '' })));
    await showNotices([{ id: 'newest', kind: 'assigned', title: 'New chat', message: '' }]);
    const shown = (await fakeBrowser.storage.session.get('shown-notifications'))['shown-notifications'] as Record<string, unknown>;
    expect(Object.keys(shown)).toHaveLength(SHOWN_LIMIT);
    expect(Object.keys(shown).at(-1)).toBe('newest');
  });

  it(`settings: at most ${MAX_SUBSTATUSES} pause reasons (saved or from a policy), at most 7 working days`, () => {
    const reasons = range(MAX_SUBSTATUSES + 1).map((i) => `Reason ${i}`);
    expect(parseSettings({ ...SETTINGS, substatuses: reasons })).toMatchObject({ ok: false, errors: { substatuses: expect.any(String) } });
    expect(parseSettings({ ...SETTINGS, substatuses: reasons.slice(1) }).ok).toBe(true);
    expect(checkPolicy({ substatuses: reasons }).values).toEqual({});
    const days = range(8).map((i) => i % 7);
    expect(parseSettings({ ...SETTINGS, workingHours: { enabled: true, days } })).toMatchObject({ ok: false });
    expect(parseSettings({ ...SETTINGS, workingHours: { enabled: true, days: days.slice(1) } }).ok).toBe(true);
  });
});
