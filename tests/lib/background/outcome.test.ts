import { beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing';
import { createOutcomeHandler, releaseHeld } from '@/lib/background/outcome';
import { createAutomation } from '@/lib/automation/automation';
import { settingsItem } from '@/lib/settings/store';
import { statusItem } from '@/lib/status/store';
import type { StatusSender } from '@/lib/status/sender';
import type { HandledEvent } from '@/lib/relay/connection';

const sender = { observe: async () => undefined, request: async () => ({}) } as unknown as StatusSender;
const handle = createOutcomeHandler(
  sender,
  createAutomation(() => sender),
);

function handled(kind: 'assigned' | 'closed', id: string, visitor: string): HandledEvent {
  const state = { phase: 'connected' as const, lastSeq: 1, openChats: [], notified: [], attempts: 0 };
  return {
    event: { type: 'event', seq: 1, id, kind, at: new Date().toISOString(), data: { conversationId: id } },
    openBefore: 0,
    outcome: {
      state,
      notices: [
        { id, kind, subject: visitor, title: kind === 'assigned' ? `New chat: ${visitor}` : `Chat closed: ${visitor}`, message: '' },
      ],
    },
  };
}

beforeEach(async () => {
  fakeBrowser.reset();
  await settingsItem.set({
    orgId: '6418107096367104',
    apiToken: 'token-12345678',
    agentId: 'alice@example.com',
    quietWhilePaused: true,
    sound: false,
  });
  await statusItem.set({
    confirmed: { status: 'pause', substatus: 'Lunch', since: 1, source: 'popup' },
    intent: null,
    failure: null,
    history: [],
  });
});

describe('quiet mode', () => {
  it('holds chat-closed notifications while paused, still shows new chats, and sums up the held ones on return', async () => {
    await handle([handled('closed', 'a', 'Ann'), handled('assigned', 'b', 'Ben'), handled('closed', 'c', 'Cy')]);
    const shown = (await fakeBrowser.notifications.getAll()) as Record<string, { title: string; silent?: boolean }>;
    expect(Object.values(shown).map((n) => n.title)).toEqual(['New chat: Ben']);
    expect(shown.b!.silent).toBe(true); // sound off in the options
    await releaseHeld(false);
    const after = Object.values((await fakeBrowser.notifications.getAll()) as Record<string, { title: string; message: string }>);
    expect(after.map((n) => n.title)).toContain('2 chats closed while you were paused');
    expect(after.find((n) => n.title.startsWith('2 chats'))!.message).toBe('Ann, Cy');
  });
});

describe('phone calls', () => {
  it('a call event naming me in another spelling (fullwidth, upper case) pauses me: ids compare as the relay compares them', async () => {
    await statusItem.set({ confirmed: { status: 'online', since: 1, source: 'popup' }, intent: null, failure: null, history: [] });
    const requests: unknown[][] = [];
    const recording = {
      observe: async () => undefined,
      request: async (...args: unknown[]) => {
        requests.push(args);
        return {};
      },
    } as unknown as StatusSender;
    const onOutcomes = createOutcomeHandler(
      recording,
      createAutomation(() => recording),
    );
    const state = { phase: 'connected' as const, lastSeq: 1, openChats: [], notified: [], attempts: 0 };
    const call = (agent: string, callId: string): HandledEvent => ({
      event: {
        type: 'event',
        seq: 1,
        id: `c-${callId}`,
        kind: 'call',
        at: new Date().toISOString(),
        data: { agent, state: 'started', callId },
      },
      openBefore: 0,
      outcome: { state, notices: [] },
    });
    await onOutcomes([call('bob@example.com', 'k0')]);
    expect(requests).toEqual([]);
    await onOutcomes([call('ＡLICE＠example.com', 'k1')]);
    expect(requests).toEqual([['pause', 'On a call', 'phone']]);
  });
});
