import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing';
import { createStatusSender, type SenderDeps } from '@/lib/status/sender';
import { statusItem } from '@/lib/status/store';
import { settingsItem } from '@/lib/settings/store';
import { viewStatus } from '@/lib/status/view';
import { parseSettings } from '@/lib/settings/schema';
import type { CallResult } from '@/lib/snapengage/agent-status-client';

const SETTINGS = {
  orgId: '6418107096367104',
  apiToken: 'token-12345678',
  agentId: 'alice@example.com',
  apiBaseUrl: 'https://sandbox.test',
};

function harness(results: Array<CallResult | Promise<CallResult>> = []) {
  let clock = 1_000_000;
  let online = true;
  const scheduled: number[] = [];
  const calls: Array<{ status: string; substatus?: string }> = [];
  const send = vi.fn(async (_t: unknown, change: { status: string; substatus?: string }, signal?: AbortSignal) => {
    calls.push({ status: change.status, substatus: change.substatus });
    const next = results.shift() ?? { kind: 'ok' };
    return Promise.race([
      next,
      new Promise<never>((_, reject) => signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')))),
    ]);
  });
  let ids = 0;
  const deps = (): SenderDeps => ({
    send: send as unknown as SenderDeps['send'],
    settings: async () => parseSettings({ ...SETTINGS, substatuses: ['Lunch'] }),
    now: () => clock,
    isOnline: () => online,
    schedule: (at) => scheduled.push(at),
    newId: () => `intent-${++ids}`,
    random: () => 0.5,
  });
  return {
    deps,
    send,
    calls,
    scheduled,
    advance: (ms: number) => {
      clock += ms;
    },
    setOnline: (v: boolean) => {
      online = v;
    },
    now: () => clock,
  };
}

beforeEach(async () => {
  fakeBrowser.reset();
  await settingsItem.set(SETTINGS);
});

describe('status sender', () => {
  it('sends a change once and marks it confirmed', async () => {
    const h = harness();
    const sender = createStatusSender(h.deps());
    await sender.request('pause', 'Lunch', 'popup');
    await sender.kick();
    expect(h.calls).toEqual([{ status: 'pause', substatus: 'Lunch' }]);
    const view = viewStatus(await statusItem.get());
    expect(view).toMatchObject({ phase: 'confirmed', status: 'pause', substatus: 'Lunch' });
  });

  it('the newest intent wins: an older in-flight change is dropped, the newest is sent', async () => {
    let release!: (r: CallResult) => void;
    const slow = new Promise<CallResult>((r) => {
      release = r;
    });
    const h = harness([slow]);
    const sender = createStatusSender(h.deps());
    await sender.request('pause', 'Lunch', 'popup');
    await vi.waitFor(() => expect(h.calls).toHaveLength(1));
    await sender.request('pause', 'Meeting', 'popup');
    await sender.request('online', undefined, 'popup');
    await sender.kick();
    release({ kind: 'ok' });
    await sender.kick();
    expect(h.calls.at(-1)).toEqual({ status: 'online', substatus: undefined });
    expect(h.calls.filter((c) => c.status === 'online')).toHaveLength(1); // one click, one request
    expect(h.calls.filter((c) => c.substatus === 'Meeting').length).toBeLessThanOrEqual(1); // aborted, never retried
    expect(viewStatus(await statusItem.get())).toMatchObject({ phase: 'confirmed', status: 'online' });
  });

  it('a result for a superseded change never overwrites the newer one', async () => {
    let release!: (r: CallResult) => void;
    const h = harness([
      new Promise<CallResult>((r) => {
        release = r;
      }),
      { kind: 'retry', reason: 'network', message: 'down' },
    ]);
    const sender = createStatusSender(h.deps());
    await sender.request('pause', 'Lunch', 'popup');
    await vi.waitFor(() => expect(h.calls).toHaveLength(1));
    await sender.request('online', undefined, 'popup');
    release({ kind: 'ok' });
    await sender.kick();
    const state = await statusItem.get();
    expect(state.intent).toMatchObject({ status: 'online', attempts: 1 });
    expect(state.confirmed).toBeNull();
  });

  it('retries 5xx / network errors with growing, jittered backoff and honours Retry-After', async () => {
    const h = harness([
      { kind: 'retry', reason: 'server', message: 'SnapEngage is having trouble (HTTP 500) — will retry' },
      { kind: 'retry', reason: 'network', message: 'SnapEngage is unreachable — will retry' },
      { kind: 'retry', reason: 'throttled', message: 'busy', retryAfterMs: 15_000 },
      { kind: 'ok' },
    ]);
    const sender = createStatusSender(h.deps());
    const start = h.now();
    await sender.request('pause', 'Lunch', 'shortcut');
    await sender.kick();
    let state = await statusItem.get();
    expect(viewStatus(state)).toMatchObject({ phase: 'pending', message: 'SnapEngage is having trouble (HTTP 500) — will retry' });
    expect(h.scheduled.at(-1)! - start).toBe(750); // attempt 1: 1 s ceiling, half fixed + half jitter
    h.advance(750);
    await sender.kick();
    expect(h.scheduled.at(-1)! - h.now()).toBe(1500); // attempt 2: 2 s ceiling
    h.advance(1500);
    await sender.kick();
    expect(h.scheduled.at(-1)! - h.now()).toBe(15_000); // Retry-After beats the 3 s backoff
    await sender.kick(); // too early: nothing is sent
    expect(h.calls).toHaveLength(3);
    h.advance(15_000);
    await sender.kick();
    state = await statusItem.get();
    expect(h.calls).toHaveLength(4);
    expect(viewStatus(state)).toMatchObject({ phase: 'confirmed', status: 'pause', substatus: 'Lunch' });
  });

  it('401 marks the change failed with a reason, and never retries', async () => {
    const h = harness([{ kind: 'rejected', httpStatus: 401, message: 'SnapEngage rejected the API token' }]);
    const sender = createStatusSender(h.deps());
    await sender.request('pause', 'Lunch', 'popup');
    await sender.kick();
    h.advance(600_000);
    await sender.kick();
    expect(h.calls).toHaveLength(1);
    expect(viewStatus(await statusItem.get())).toMatchObject({ phase: 'failed', message: 'SnapEngage rejected the API token' });
  });

  it('a pending change survives the worker being stopped and is sent by the next one, once', async () => {
    const h = harness([{ kind: 'retry', reason: 'network', message: 'SnapEngage is unreachable — will retry' }]);
    const first = createStatusSender(h.deps());
    await first.request('pause', 'Lunch', 'popup');
    await first.kick();
    expect(h.calls).toHaveLength(1);
    // The worker dies: nothing of `first` survives but storage.
    h.advance(60_000);
    const second = createStatusSender(h.deps());
    await second.kick();
    await second.kick();
    expect(h.calls).toEqual([
      { status: 'pause', substatus: 'Lunch' },
      { status: 'pause', substatus: 'Lunch' },
    ]);
    expect(viewStatus(await statusItem.get())).toMatchObject({ phase: 'confirmed', status: 'pause' });
  });

  it('offline: nothing is sent; back online it goes out', async () => {
    const h = harness();
    h.setOnline(false);
    const sender = createStatusSender(h.deps());
    await sender.request('online', undefined, 'popup');
    await sender.kick();
    expect(h.calls).toHaveLength(0);
    expect(viewStatus(await statusItem.get())).toMatchObject({
      phase: 'pending',
      message: "You're offline — the change will be sent when you're back online",
    });
    h.setOnline(true);
    await sender.kick();
    expect(h.calls).toHaveLength(1);
    expect(viewStatus(await statusItem.get())).toMatchObject({ phase: 'confirmed', status: 'online' });
  });

  it('missing setup fails visibly instead of waiting forever', async () => {
    const h = harness();
    const deps = { ...h.deps(), settings: async () => ({ ok: false as const, errors: { form: 'not set up' } }) };
    const sender = createStatusSender(deps);
    await sender.request('pause', 'Lunch', 'popup');
    await sender.kick();
    expect(h.calls).toHaveLength(0);
    expect((await statusItem.get()).failure).toMatchObject({ code: 'setup' });
  });

  it('a status SnapEngage reports moves the state, but never back in time or over a pending change', async () => {
    const h = harness();
    const sender = createStatusSender(h.deps());
    await sender.observe({ status: 'pause', substatus: 'Meeting', since: 100, source: 'snapengage' });
    expect((await statusItem.get()).confirmed).toMatchObject({ status: 'pause', substatus: 'Meeting' });
    await sender.observe({ status: 'online', since: 50, source: 'snapengage' }); // stale echo
    expect((await statusItem.get()).confirmed).toMatchObject({ status: 'pause' });
    await statusItem.update((s) => ({
      ...s,
      intent: { id: 'x', status: 'online', source: 'popup', createdAt: 1, attempts: 0, nextAttemptAt: 9e15 },
    }));
    await sender.observe({ status: 'offline', since: 200, source: 'snapengage' });
    expect((await statusItem.get()).confirmed).toMatchObject({ status: 'pause' });
  });
});

describe('changes the relay made itself (phone calls in relay mode)', () => {
  const phone = { status: 'pause' as const, substatus: 'On a call', since: 1000, source: 'phone' as const };
  const echo = { status: 'pause' as const, substatus: 'On a call', since: 990, source: 'snapengage' as const };
  const history = async () => (await statusItem.get()).history.map((h) => `${h.status}:${h.substatus ?? ''}:${h.source}`);

  it('the relay’s report first, SnapEngage’s echo after: one change, from the phone call', async () => {
    const sender = createStatusSender(harness().deps());
    await sender.observe(phone);
    await sender.observe({ ...echo, since: 1010 });
    await sender.observe(echo);
    expect(await history()).toEqual(['pause:On a call:phone']);
    expect(viewStatus(await statusItem.get())).toMatchObject({ phase: 'confirmed', status: 'pause', substatus: 'On a call', since: 1000 });
  });

  it('the echo first: it is relabelled as the phone call’s, not entered twice, whichever is older', async () => {
    const sender = createStatusSender(harness().deps());
    await sender.observe({ status: 'online', since: 500, source: 'popup' });
    await sender.observe(echo);
    await sender.observe(phone);
    expect(await history()).toEqual(['online::popup', 'pause:On a call:phone']);
    expect((await statusItem.get()).confirmed).toEqual({ ...echo, source: 'phone' });
    await sender.observe({ status: 'online', since: 2010, source: 'snapengage' });
    await sender.observe({ status: 'online', since: 2000, source: 'phone' });
    expect(await history()).toEqual(['online::popup', 'pause:On a call:phone', 'online::phone']);
  });

  it('never over a newer status, nor over the agent’s own change under way; no automation claim, no intent', async () => {
    const onIntent = vi.fn();
    const sender = createStatusSender({ ...harness().deps(), onIntent });
    await sender.observe({ status: 'pause', substatus: 'Lunch', since: 5000, source: 'snapengage' });
    await sender.observe(phone);
    expect(await history()).toEqual(['pause:Lunch:snapengage']);
    await statusItem.update((s) => ({
      ...s,
      intent: { id: 'x', status: 'online', source: 'popup', createdAt: 1, attempts: 0, nextAttemptAt: 9e15 },
    }));
    await sender.observe({ ...phone, status: 'online', substatus: undefined, since: 6000 });
    expect(await history()).toEqual(['pause:Lunch:snapengage']);
    expect(onIntent).not.toHaveBeenCalled();
  });

  it('a change the relay could not make is shown, unless the agent’s own change is under way or a newer status is known', async () => {
    const sender = createStatusSender(harness().deps());
    const failure = { status: 'pause' as const, substatus: 'On a call', code: 'token-rejected' as const, message: 'tell IT', at: 1000 };
    await sender.observe({ status: 'online', since: 2000, source: 'popup' });
    await sender.observeFailure(failure);
    expect(viewStatus(await statusItem.get()).phase).toBe('confirmed');
    await sender.observeFailure({ ...failure, at: 3000 });
    expect(viewStatus(await statusItem.get())).toMatchObject({
      phase: 'failed',
      status: 'pause',
      substatus: 'On a call',
      message: 'tell IT',
    });
    await statusItem.update((s) => ({
      ...s,
      failure: null,
      intent: { id: 'x', status: 'online', source: 'popup', createdAt: 1, attempts: 0, nextAttemptAt: 9e15 },
    }));
    await sender.observeFailure({ ...failure, at: 4000 });
    expect((await statusItem.get()).failure).toBeNull();
  });
});
