import { beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing';
import { createStatusSender, type StatusSender } from '@/lib/status/sender';
import { createAutomation, type Automation } from '@/lib/automation/automation';
import { statusItem } from '@/lib/status/store';
import { parseSettings } from '@/lib/settings/schema';
import { withinWorkingHours } from '@/lib/background/working-hours';
import { chatFigures, pausedToday } from '@/lib/stats/today';

let sender: StatusSender;
let automation: Automation;
let sent: Array<{ status: string; substatus?: string }>;

beforeEach(() => {
  fakeBrowser.reset();
  sent = [];
  let id = 0;
  automation = createAutomation(() => sender);
  sender = createStatusSender({
    send: async (_t, change) => {
      sent.push({ status: change.status, substatus: change.substatus });
      return { kind: 'ok' };
    },
    settings: async () => parseSettings({ orgId: '6418107096367104', apiToken: 'token-12345678', agentId: 'alice@example.com' }),
    now: Date.now,
    isOnline: () => true,
    schedule: () => undefined,
    newId: () => `i${++id}`,
    random: () => 0.5,
    onIntent: (i) => automation.onIntent(i),
    onConfirmed: (c) => void automation.onConfirmed(c),
  });
});

const settle = async () => {
  await sender.kick();
  await new Promise((r) => setTimeout(r, 0));
};
const current = async () => (await statusItem.get()).confirmed;

describe('phone ↔ chat sync in the extension', () => {
  it('a call pauses with the call reason; its end brings the agent back online', async () => {
    await automation.callStarted('c1', 'On a call');
    await settle();
    expect(await current()).toMatchObject({ status: 'pause', substatus: 'On a call', source: 'phone' });
    await automation.callEnded('c1');
    await settle();
    expect(await current()).toMatchObject({ status: 'online', source: 'phone' });
  });

  it('never overrides a manual pause', async () => {
    await sender.request('pause', 'Lunch', 'popup');
    await settle();
    await automation.callStarted('c1', 'On a call');
    await automation.callEnded('c1');
    await settle();
    expect(await current()).toMatchObject({ status: 'pause', substatus: 'Lunch', source: 'popup' });
    expect(sent).toHaveLength(1);
  });

  it('a manual change during the call cancels the automatic return', async () => {
    await automation.callStarted('c1', 'On a call');
    await settle();
    await sender.request('pause', 'Meeting', 'popup');
    await settle();
    await automation.callEnded('c1');
    await settle();
    expect(await current()).toMatchObject({ status: 'pause', substatus: 'Meeting' });
  });

  it('overlapping calls are counted: online only when the last one ends', async () => {
    await automation.callStarted('c1', 'On a call');
    await automation.callStarted('c2', 'On a call');
    await settle();
    await automation.callEnded('c1');
    await settle();
    expect((await current())?.status).toBe('pause');
    await automation.callEnded('c2');
    await settle();
    expect((await current())?.status).toBe('online');
  });

  it('a change made in SnapEngage during an automatic pause ends our claim', async () => {
    await automation.callStarted('c1', 'On a call');
    await settle();
    await sender.observe({ status: 'online', since: Date.now() + 1, source: 'snapengage' });
    await new Promise((r) => setTimeout(r, 0));
    await sender.observe({ status: 'pause', substatus: 'Admin', since: Date.now() + 2, source: 'snapengage' });
    await automation.callEnded('c1');
    await settle();
    expect(await current()).toMatchObject({ status: 'pause', substatus: 'Admin' });
  });
});

describe('auto-pause on idle / lock', () => {
  it('pauses with its own reason and returns only if it paused', async () => {
    await automation.idleChanged('locked', 'Away');
    await settle();
    expect(await current()).toMatchObject({ status: 'pause', substatus: 'Away', source: 'idle' });
    await automation.idleChanged('active', 'Away');
    await settle();
    expect(await current()).toMatchObject({ status: 'online', source: 'idle' });
    await sender.request('pause', 'Lunch', 'popup');
    await settle();
    await automation.idleChanged('idle', 'Away');
    await automation.idleChanged('active', 'Away');
    await settle();
    expect(await current()).toMatchObject({ status: 'pause', substatus: 'Lunch' });
  });
});

describe('pause after this chat', () => {
  it('applies the queued status when the last open chat closes, not before', async () => {
    await automation.queueNext({ status: 'pause', substatus: 'Break' }, 2);
    await automation.chatsChanged(2, 1);
    await settle();
    expect(sent).toHaveLength(0);
    await automation.chatsChanged(1, 0);
    await settle();
    expect(await current()).toMatchObject({ status: 'pause', substatus: 'Break', source: 'next-status' });
    await automation.chatsChanged(1, 0); // applied once
    await settle();
    expect(sent).toHaveLength(1);
  });

  it('with no chat open it applies at once', async () => {
    await automation.queueNext({ status: 'pause', substatus: 'Break' }, 0);
    await settle();
    expect(sent).toEqual([{ status: 'pause', substatus: 'Break' }]);
  });
});

describe('the agent’s day', () => {
  it('every change is recorded with its source', async () => {
    await sender.request('pause', 'Lunch', 'shortcut');
    await settle();
    await automation.callStarted('c9', 'On a call');
    await settle();
    const history = (await statusItem.get()).history;
    expect(history.map((h) => h.source)).toEqual(['shortcut']); // already paused: the call changed nothing
    await sender.request('online', undefined, 'popup');
    await settle();
    expect((await statusItem.get()).history.map((h) => `${h.status}/${h.source}`)).toEqual(['pause/shortcut', 'online/popup']);
  });

  it('time paused today is summed by reason', () => {
    const midnight = new Date();
    midnight.setHours(0, 0, 0, 0);
    const t = midnight.getTime();
    const history = [
      { status: 'pause' as const, substatus: 'Lunch', since: t - 3_600_000, source: 'popup' as const }, // started yesterday
      { status: 'online' as const, since: t + 600_000, source: 'popup' as const },
      { status: 'pause' as const, substatus: 'Break', since: t + 900_000, source: 'popup' as const },
      { status: 'online' as const, since: t + 1_200_000, source: 'popup' as const },
    ];
    expect(pausedToday(history, t + 2_000_000)).toEqual({ Lunch: 600_000, Break: 300_000 });
  });

  it('chats handled and average handling time come from the relay’s events', () => {
    const now = new Date().setHours(12, 0, 0, 0); // noon: every event below is today
    const at = (ms: number) => new Date(ms).toISOString();
    const events = [
      { seq: 1, id: 'a', kind: 'assigned', at: at(now - 900_000), data: { conversationId: 'x' } },
      { seq: 2, id: 'b', kind: 'closed', at: at(now - 600_000), data: { conversationId: 'x' } },
      {
        seq: 3,
        id: 'c',
        kind: 'closed',
        at: at(now - 100_000),
        data: { conversationId: 'y', createdAt: now - 200_000, closedAt: now - 100_000 },
      },
      { seq: 4, id: 'd', kind: 'closed', at: at(now - 100_000), data: { conversationId: 'y' } }, // same chat again
    ];
    expect(chatFigures(events, now)).toEqual({ chatsHandled: 2, averageHandlingMs: 200_000 });
  });

  it('working hours, including a shift over midnight', () => {
    const hours = { enabled: true, days: [1, 2, 3, 4, 5], start: '09:00', end: '17:00' };
    expect(withinWorkingHours(hours, new Date(2026, 10, 25, 10, 0))).toBe(true); // Wednesday
    expect(withinWorkingHours(hours, new Date(2026, 10, 25, 18, 0))).toBe(false);
    expect(withinWorkingHours(hours, new Date(2026, 10, 29, 10, 0))).toBe(false); // Sunday
    expect(withinWorkingHours({ ...hours, start: '22:00', end: '06:00' }, new Date(2026, 10, 25, 23, 0))).toBe(true);
  });
});
