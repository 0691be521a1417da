// The extension's one websocket to the relay. State (resume point, phase, open chats) is in
// storage; this module holds only the live socket. `ensure` is called on every wake-up and by
// an alarm, so a worker the browser stopped reconnects and resumes from `lastSeq`.
import { t } from '../i18n';
import { retryDelay } from '@switchboard/protocol/backoff';
import { ServerFrame, type EventFrame, type HelloFrame, type WelcomeFrame } from '@switchboard/protocol/frames';
import { loadSettings } from '../settings/store';
import type { Settings } from '../settings/schema';
import type { MessagePayload, TestResult } from '../messaging/protocol';
import { handleEvent, type EventOutcome } from './events';
import { relayStateItem, type RelayState } from './state';
import { isSafeRelayInput } from '../settings/safe-url';
import { relayWebSocketUrl } from './url';

const RELAY_TEST_TIMEOUT_MS = 5000;
const REJECT_CODES = new Set([4401, 4403]);

/** What the agent is told when the relay closes with one of REJECT_CODES (the reason is the relay's own). */
const refusal = (reason: string) => (reason ? t('relayTokenRefusedWhy', [reason]) : t('relayTokenRejected'));

function parseFrame(text: string): ServerFrame | undefined {
  try {
    const parsed = ServerFrame.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export interface HandledEvent {
  outcome: EventOutcome;
  event: EventFrame;
  /** open chats before this event */
  openBefore: number;
}

interface Deps {
  /** Acts on handled events, in order: notices, observed status, calls, chats closing. */
  onOutcomes: (handled: HandledEvent[]) => Promise<void> | void;
  WebSocketImpl?: typeof WebSocket;
}

export function createRelayConnection({ onOutcomes, WebSocketImpl = globalThis.WebSocket }: Deps) {
  let socket: WebSocket | null = null;
  let reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  let frames: Promise<void> = Promise.resolve();
  let inbox: string[] = [];

  const setState = (patch: Partial<RelayState>) => relayStateItem.update((s) => ({ ...s, ...patch }));

  // ensure() and restart() run one at a time. A wake-up calls ensure() twice at once (on start and
  // from the alarm that woke the worker or event page); both passed the "no socket yet" check
  // while reading settings, and both connected (seen in Firefox: two relay sessions per wake).
  let queue: Promise<unknown> = Promise.resolve();
  const serially = <T>(job: () => Promise<T>): Promise<T> => {
    const run = queue.then(job, job);
    queue = run.catch(() => undefined);
    return run;
  };

  const ensure = (): Promise<void> => serially(ensureNow);

  async function ensureNow(): Promise<void> {
    const settings = await loadSettings();
    const relay = settings.ok && settings.settings.relayUrl && settings.settings.relayToken ? settings.settings : null;
    if (!relay) {
      close();
      const state = await relayStateItem.get();
      if (state.phase !== 'off') await setState({ phase: 'off', message: undefined });
      return;
    }
    if (socket && (socket.readyState === WebSocketImpl.OPEN || socket.readyState === WebSocketImpl.CONNECTING)) return;
    const state = await relayStateItem.get();
    if (state.phase === 'rejected') return; // waits for new settings (restart)
    connect(relay, state);
  }

  function connect(settings: Settings, state: RelayState) {
    clearTimeout(reconnectTimer);
    let ws: WebSocket;
    try {
      ws = new WebSocketImpl(relayWebSocketUrl(settings.relayUrl!));
    } catch {
      void setState({ phase: 'rejected', message: t('relayUrlInvalid') });
      return;
    }
    socket = ws;
    if (state.phase !== 'reconnecting') void setState({ phase: state.attempts > 0 ? 'reconnecting' : 'connecting' });
    ws.onopen = async () => {
      const { lastSeq, generation } = await relayStateItem.get();
      const hello: HelloFrame = { type: 'hello', token: settings.relayToken!, after: lastSeq, ...(generation ? { generation } : {}) };
      ws.send(JSON.stringify(hello));
    };
    ws.onmessage = (message) => {
      // Frames are handled strictly in order, in batches: a backlog of events arriving together
      // is applied with one storage write, not one per event.
      inbox.push(String(message.data));
      if (inbox.length === 1) frames = frames.then(() => drainInbox(settings)).catch(() => undefined);
    };
    ws.onclose = (event) => {
      if (socket !== ws) return;
      socket = null;
      void frames.then(() => onClosed(event.code, event.reason));
    };
  }

  async function drainInbox(settings: Settings): Promise<void> {
    const batch = inbox;
    inbox = [];
    let events: EventFrame[] = [];
    for (const text of batch) {
      const frame = parseFrame(text);
      if (!frame || frame.type === 'ping') continue;
      if (frame.type === 'event') {
        events.push(frame);
        continue;
      }
      await applyEvents(events, settings);
      events = [];
      await onWelcome(frame);
    }
    await applyEvents(events, settings);
  }

  async function onWelcome(frame: WelcomeFrame): Promise<void> {
    await relayStateItem.update((s) => {
      const lastSeq = frame.resumed ? s.lastSeq : 0;
      const backlog = frame.latest > lastSeq;
      return {
        ...s,
        phase: 'connected',
        message: undefined,
        attempts: 0,
        connectedAt: Date.now(),
        generation: frame.generation,
        lastSeq,
        // A first connection (no generation yet) replays history silently.
        replay: backlog ? { until: frame.latest, silent: !s.generation, heldClosed: [] } : undefined,
      };
    });
  }

  async function applyEvents(events: EventFrame[], settings: Settings): Promise<void> {
    if (!events.length) return;
    const handled: HandledEvent[] = [];
    await relayStateItem.update((start) => {
      handled.length = 0; // the update function may run again on a retry; start over then
      let state = start;
      for (const event of events) {
        if (event.seq <= state.lastSeq) continue; // already handled (replayed twice)
        const outcome = handleEvent(state, event, settings);
        handled.push({ outcome, event, openBefore: state.openChats.length });
        state = outcome.state;
      }
      return state;
    });
    if (handled.length) await onOutcomes(handled);
  }

  async function onClosed(code: number, reason: string): Promise<void> {
    if (REJECT_CODES.has(code)) {
      await setState({ phase: 'rejected', message: refusal(reason) });
      return;
    }
    const { attempts } = await relayStateItem.update((s) => ({
      ...s,
      phase: 'reconnecting',
      attempts: s.attempts + 1,
      message: t('relayLost'),
    }));
    clearTimeout(reconnectTimer);
    reconnectTimer = setTimeout(() => void ensure(), retryDelay(attempts));
  }

  function close() {
    clearTimeout(reconnectTimer);
    const ws = socket;
    socket = null;
    ws?.close(1000, 'settings changed');
  }

  function restart(): Promise<void> {
    return serially(async () => {
      close();
      await setState({ phase: 'off', message: undefined, attempts: 0 });
      await ensureNow();
    });
  }

  /**
   * Options page "validate by connecting". The token typed now goes to the URL typed now; the saved
   * token only to the relay it was saved with.
   */
  async function test(input: MessagePayload<'testRelay'>): Promise<TestResult> {
    if (!isSafeRelayInput(input.relayUrl)) return { ok: false, message: t('errRelayUrl') };
    const endpoint = relayWebSocketUrl(input.relayUrl);
    let token = input.relayToken;
    if (!token) {
      const saved = await loadSettings();
      const savedUrl = saved.ok ? saved.settings.relayUrl : undefined;
      if (savedUrl && relayWebSocketUrl(savedUrl) !== endpoint) return { ok: false, message: t('enterRelayTokenForUrl') };
      token = saved.ok ? saved.settings.relayToken : undefined;
    }
    if (!token) return { ok: false, message: t('errRelayToken') };
    const answer = await probeRelay(endpoint, token, WebSocketImpl);
    switch (answer.kind) {
      case 'welcome':
        return { ok: true, message: t('relayConnectedAs', [answer.agent]) };
      case 'refused':
        return { ok: false, message: refusal(answer.reason) };
      case 'unreachable':
        return { ok: false, message: t('relayUnreachable', [endpoint]) };
      case 'not-a-relay':
        return { ok: false, message: t('relayNotARelay') };
      case 'no-answer':
        return { ok: false, message: t('relayNoAnswer') };
    }
  }

  /** A throwaway connection with `token` (a setup code's, ./setup-code.ts): what the relay answered. */
  const probe = (endpoint: string, token: string) => probeRelay(endpoint, token, WebSocketImpl);

  return { ensure, restart, test, probe, close };
}

/** What a relay answered a hello: it welcomed the token's agent, refused the token, or was no relay. */
export type RelayProbe =
  | { kind: 'welcome'; agent: string }
  | { kind: 'refused'; reason: string }
  | { kind: 'unreachable' }
  | { kind: 'not-a-relay' }
  | { kind: 'no-answer' };

/** A throwaway socket that says hello with `token` and asks for nothing to replay. */
function probeRelay(endpoint: string, token: string, WebSocketImpl: typeof WebSocket): Promise<RelayProbe> {
  return new Promise<RelayProbe>((resolve) => {
    const ws = new WebSocketImpl(endpoint);
    const done = (result: RelayProbe) => {
      clearTimeout(timer);
      ws.onclose = null;
      ws.onerror = null;
      ws.close(1000, 'test done');
      resolve(result);
    };
    const timer = setTimeout(() => done({ kind: 'no-answer' }), RELAY_TEST_TIMEOUT_MS);
    ws.onopen = () => ws.send(JSON.stringify({ type: 'hello', token, after: Number.MAX_SAFE_INTEGER } satisfies HelloFrame));
    ws.onmessage = (message) => {
      const frame = parseFrame(String(message.data));
      if (!frame) done({ kind: 'not-a-relay' });
      else if (frame.type === 'welcome') done({ kind: 'welcome', agent: frame.agent });
    };
    ws.onclose = (event) => done(REJECT_CODES.has(event.code) ? { kind: 'refused', reason: event.reason } : { kind: 'unreachable' });
  });
}
