// The popup's first paint reads storage without zod (components/popup-data.ts); the zod check
// (components/popup-check.ts) takes over a moment later. On what the extension itself stores
// the two must show the same thing, and the cheap reading must never throw on anything else.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { firstLook, POPUP_KEYS, setupProblem } from '@/components/popup-data';
import { checkPopupData } from '@/components/popup-check';
import { parseSettings } from '@/lib/settings/schema';
import { quickPauseReason } from '@/lib/settings/quick-pause';
import { viewStatus } from '@/lib/status/view';

const settings = parseSettings({
  orgId: '6418107096367104',
  apiToken: 'abcdef123456',
  agentId: 'alice@example.com',
  quickPauseSubstatus: 'Meeting',
});
if (!settings.ok) throw new Error('test settings invalid');
const confirmed = { status: 'pause', substatus: 'Lunch', since: 1_700_000_000_000, source: 'popup' };
const stored = {
  settings: settings.settings,
  status: {
    confirmed,
    intent: {
      status: 'online',
      id: 'i1',
      source: 'shortcut',
      createdAt: 1_700_000_100_000,
      attempts: 1,
      nextAttemptAt: 0,
      lastError: 'SnapEngage is unreachable',
    },
    failure: null,
    history: [confirmed],
  },
  relay: {
    phase: 'connected',
    lastSeq: 12,
    openChats: [{ conversationId: 'c1', visitor: 'Kim', question: 'Hello?', assignedAt: 1_700_000_050_000 }],
    notified: ['e1'],
    attempts: 0,
    connectedAt: 1_700_000_000_500,
  },
  automation: { calls: [], pausedBy: null, held: [], nextStatus: { status: 'pause', substatus: 'Lunch' } },
};

/** What the popup renders from the data. */
function shown(data: ReturnType<typeof firstLook>) {
  const ready = data.settings?.ok === true;
  return {
    ready,
    reasons: data.settings?.ok ? data.settings.settings.substatuses : [],
    quick: data.settings?.ok ? quickPauseReason(data.settings.settings) : undefined,
    view: viewStatus(data.status),
    history: data.status.history,
    relay: { phase: data.relay.phase, message: data.relay.message, openChats: data.relay.openChats },
    next: data.automation.nextStatus,
  };
}

describe('popup data: first look vs the zod check', () => {
  it('show the same for what the extension stores', () => {
    expect(shown(firstLook(stored))).toEqual(shown(checkPopupData(stored)));
    expect(shown(firstLook(stored))).toMatchObject({
      ready: true,
      quick: 'Meeting',
      view: { phase: 'pending', status: 'online' },
      relay: { phase: 'connected' },
    });
  });

  it('show the same when nothing is stored yet', () => {
    expect(shown(firstLook({}))).toEqual(shown(checkPopupData({})));
    expect(firstLook({}).settings).toBeUndefined();
  });

  it('agree that settings missing a required field are not ready', () => {
    const raw = { ...stored, settings: { orgId: '6418107096367104' } };
    expect(firstLook(raw).settings).toEqual({ ok: false, errors: { apiToken: 'Required' } });
    expect(checkPopupData(raw).settings).toMatchObject({ ok: false, errors: { apiToken: 'Required' } });
  });

  it('name the field that needs fixing, by its label where it has one', () => {
    expect(setupProblem({ apiToken: 'Required' })).toBe('Setup is incomplete: API token: Required');
    // A message that names its field already is not prefixed with it again.
    const badOrg = parseSettings({ orgId: 'abc', apiToken: 'abcdef123456', agentId: 'alice@example.com' });
    expect(!badOrg.ok && setupProblem(badOrg.errors)).toBe(
      'Setup is incomplete: Org id is the long number shown in SnapEngage under My Account → API',
    );
    const bad = parseSettings({
      orgId: '6418107096367104',
      apiToken: 'abcdef123456',
      agentId: 'alice@example.com',
      substatuses: ['Lunch', 'lunch'],
    });
    expect(!bad.ok && setupProblem(bad.errors)).toBe('Setup is incomplete: Pause reasons must be different from each other');
  });

  it('never throw on garbage, and fall back to safe values the popup can render', () => {
    for (const junk of [null, 42, 'x', [], [1], { status: 'asleep' }, { confirmed: 'yes', history: [null, { status: 'online' }] }]) {
      const data = firstLook({ settings: junk, status: junk, relay: junk, automation: junk });
      const s = shown(data);
      expect(['off', 'connecting', 'connected', 'reconnecting', 'rejected']).toContain(s.relay.phase);
      expect(Array.isArray(s.relay.openChats)).toBe(true);
      expect(s.view.status === null || ['online', 'pause', 'offline'].includes(s.view.status)).toBe(true);
      expect(s.history.every((h) => typeof h.since === 'number')).toBe(true);
    }
  });
});

it("public/popup-prefetch.js reads exactly the popup's keys (otherwise its early read goes unused)", () => {
  const source = readFileSync(resolve(import.meta.dirname, '../../public/popup-prefetch.js'), 'utf8');
  const read: { keys?: string[] } = {};
  const storage = {
    local: {
      get: (keys: string[]) => {
        read.keys = keys;
        return Promise.resolve({});
      },
    },
  };
  const scope = { chrome: { storage } } as { chrome: unknown; __switchboardPrefetch?: { keys: string[] } };
  new Function('globalThis', source)(scope);
  expect(scope.__switchboardPrefetch!.keys).toEqual(POPUP_KEYS);
  expect(read.keys).toEqual(POPUP_KEYS);
});
