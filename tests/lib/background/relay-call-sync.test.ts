// Phone calls in relay mode (docs/phone-sync.md): the relay pauses and resumes the agent itself, and
// the worker only shows what it did. Here the worker's real pieces — the relay connection, the
// outcome handler, the status sender and the automation — are wired as lib/background/main.ts wires
// them, against a websocket server playing the relay, which replays what happened while the browser
// was closed. Nothing may be sent to SnapEngage (or the relay) from here, and each change must be in
// today's list once, with its source "phone call".
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing';
import { WebSocket, WebSocketServer } from 'ws';
import type { EventFrame } from '@switchboard/protocol/frames';
import { createAutomation } from '@/lib/automation/automation';
import { createOutcomeHandler } from '@/lib/background/outcome';
import { createRelayConnection, type HandledEvent } from '@/lib/relay/connection';
import { relayStateItem } from '@/lib/relay/state';
import { settingsItem } from '@/lib/settings/store';
import { loadSettings } from '@/lib/settings/store';
import { createStatusSender, type StatusSender } from '@/lib/status/sender';
import { statusItem } from '@/lib/status/store';
import { sourceWords, viewStatus } from '@/lib/status/view';
import type { CallResult } from '@/lib/snapengage/agent-status-client';

const ALICE = 'alice@example.com';
const T0 = Date.parse('2025-11-24T16:00:00.000Z');

/** `ws`'s client, behaving as a browser's: a failed connection is an error event then a close, never a throw. */
class BrowserLikeWebSocket extends WebSocket {
  constructor(url: string) {
    super(url);
    this.on('error', () => undefined);
  }
}

let server: WebSocketServer | undefined;
let close: (() => void) | undefined;
beforeEach(() => {
  fakeBrowser.reset();
});
afterEach(async () => {
  close?.();
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  server = undefined;
});

/** A relay that welcomes the extension back (it was connected before, up to seq 10) and replays `events`. */
async function relayReplaying(events: EventFrame[]): Promise<string> {
  server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  server.on('connection', (ws) =>
    ws.once('message', () => {
      ws.send(JSON.stringify({ type: 'welcome', agent: ALICE, latest: events.at(-1)?.seq ?? 10, generation: 'g', resumed: true }));
      for (const e of events) ws.send(JSON.stringify(e));
    }),
  );
  await new Promise((r) => server!.once('listening', r));
  return `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

let seq = 10;
const at = (s: number) => new Date(T0 + s * 1000).toISOString();
const event = (kind: string, data: Record<string, unknown>, s: number, id = `${kind}-${s}`): EventFrame => ({
  type: 'event',
  seq: ++seq,
  id,
  kind,
  at: at(s),
  data,
});
const handledCall = (state: 'started' | 'ended', s: number) => event('call_handled', { agent: ALICE, state, callId: 'pbx-1' }, s);
const relayDid = (status: 'pause' | 'online', s: number, extra: Record<string, unknown> = {}) =>
  event(
    'status_change',
    {
      agent: ALICE,
      status,
      ...(status === 'pause' ? { substatus: 'On a call' } : {}),
      source: 'phone-call',
      callId: 'pbx-1',
      result: 'confirmed',
      ...extra,
    },
    s,
  );
const echo = (status: 'pause' | 'online', s: number) =>
  event('agent_status', { agentId: ALICE, status, ...(status === 'pause' ? { substatus: 'On a call' } : {}) }, s);

/** The worker's pieces wired as lib/background/main.ts wires them; `send` records what would reach SnapEngage. */
function worker() {
  const sent: unknown[] = [];
  const send = vi.fn(async (_s: unknown, change: unknown): Promise<CallResult> => {
    sent.push(change);
    return { kind: 'ok' };
  });
  let ids = 0;
  const automation = createAutomation(() => sender);
  const sender: StatusSender = createStatusSender({
    send,
    settings: loadSettings,
    now: () => T0 + 3_600_000,
    isOnline: () => true,
    schedule: () => undefined,
    newId: () => `intent-${++ids}`,
    random: () => 0.5,
    onIntent: automation.onIntent,
    onConfirmed: (c) => void automation.onConfirmed(c),
  });
  const callStarted = vi.spyOn(automation, 'callStarted');
  const callEnded = vi.spyOn(automation, 'callEnded');
  const handle = createOutcomeHandler(sender, automation);
  const handledSeqs: number[] = [];
  const relay = createRelayConnection({
    onOutcomes: async (handled: HandledEvent[]) => {
      await handle(handled);
      handledSeqs.push(...handled.map((h) => h.event.seq));
    },
    WebSocketImpl: BrowserLikeWebSocket as unknown as typeof globalThis.WebSocket,
  });
  close = relay.close;
  /** Resolves once every event up to `last` has been acted on (the handler has returned), by progress. */
  const handledUpTo = (last: number) => vi.waitFor(() => expect(handledSeqs.at(-1)).toBe(last), { timeout: 5000, interval: 10 });
  return { relay, sent, callStarted, callEnded, handledUpTo };
}

/** Today's list as the popup renders it (components/Today.tsx: newest first, status and source). */
const todayList = async () =>
  (await statusItem.get()).history
    .slice()
    .reverse()
    .map((h) => `${h.status}${h.substatus ? `: ${h.substatus}` : ''} · ${sourceWords(h.source)}`);

async function setUp(mode: 'relay' | 'direct', relayUrl: string) {
  await settingsItem.set(
    mode === 'relay'
      ? { mode, agentId: ALICE, relayUrl, relayToken: 'sb1.x.y' }
      : { orgId: '6418107096367104', apiToken: 'token-12345678', agentId: ALICE, relayUrl, relayToken: 'sb1.x.y' },
  );
  await relayStateItem.set({ phase: 'off', generation: 'g', lastSeq: 10, openChats: [], notified: [], attempts: 0 });
  await statusItem.set({
    confirmed: { status: 'online', since: T0, source: 'popup' },
    intent: null,
    failure: null,
    history: [{ status: 'online', since: T0, source: 'popup' }],
  });
}

describe('relay mode: a call the relay applied while the browser was closed', () => {
  it('the popup shows the pause and the return online, each once, from "phone call"; nothing is sent, the automation is not asked', async () => {
    seq = 10;
    // The relay's report first for the pause, SnapEngage's echo first for the return: both orders occur.
    const events = [
      handledCall('started', 60),
      relayDid('pause', 61),
      echo('pause', 61),
      handledCall('ended', 300),
      echo('online', 300),
      relayDid('online', 301),
    ];
    await setUp('relay', await relayReplaying(events));
    const w = worker();
    await w.relay.ensure();
    await w.handledUpTo(events.at(-1)!.seq);

    expect(await todayList()).toEqual(['online · phone call', 'pause: On a call · phone call', 'online · popup']);
    const status = await statusItem.get();
    expect(viewStatus(status)).toMatchObject({ phase: 'confirmed', status: 'online' });
    expect(status.history.map((h) => h.since)).toEqual([T0, Date.parse(at(61)), Date.parse(at(300))]);
    expect(w.sent).toEqual([]);
    expect(w.callStarted).not.toHaveBeenCalled();
    expect(w.callEnded).not.toHaveBeenCalled();
  });

  it('the same events delivered again (a reconnect, a relay that lost its last seqs) add nothing', async () => {
    seq = 10;
    const first = [handledCall('started', 60), relayDid('pause', 61), echo('pause', 61)];
    const again = first.map((e) => ({ ...e, seq: e.seq + 3 }));
    seq += 3;
    await setUp('relay', await relayReplaying([...first, ...again]));
    const w = worker();
    await w.relay.ensure();
    await w.handledUpTo(again.at(-1)!.seq);
    expect(await todayList()).toEqual(['pause: On a call · phone call', 'online · popup']);
    expect(w.sent).toEqual([]);
  });

  it('a change the relay could not make shows as failed, saying to tell IT; nothing is retried from here', async () => {
    seq = 10;
    const events = [handledCall('started', 60), relayDid('pause', 61, { result: 'rejected', httpStatus: 401 })];
    await setUp('relay', await relayReplaying(events));
    const w = worker();
    await w.relay.ensure();
    await w.handledUpTo(events.at(-1)!.seq);
    expect(viewStatus(await statusItem.get())).toMatchObject({
      phase: 'failed',
      status: 'pause',
      substatus: 'On a call',
      message: "A phone call could not change your status: SnapEngage rejected the relay's API token — tell IT",
    });
    expect(await todayList()).toEqual(['online · popup']);
    expect(w.sent).toEqual([]);
  });
});

describe('direct mode: as before', () => {
  it('a `call` pauses the agent from the extension itself, with its own call reason', async () => {
    seq = 10;
    const events = [event('call', { agent: ALICE, state: 'started', callId: 'pbx-2' }, 60)];
    await setUp('direct', await relayReplaying(events));
    const w = worker();
    await w.relay.ensure();
    await w.handledUpTo(events.at(-1)!.seq);
    await vi.waitFor(() => expect(w.sent).toEqual([{ agentId: ALICE, status: 'pause', substatus: 'On a call' }]), { timeout: 5000 });
    expect(w.callStarted).toHaveBeenCalledWith('pbx-2', 'On a call');
  });
});
