// Sends the agent's newest status intent to SnapEngage until it lands or is refused: itself in
// direct mode, through the relay in relay mode (the same answer classes, states and backoff).
// All progress is in storage (statusItem); the only memory here is the in-flight request,
// so a worker stopped at any moment resumes from storage on its next wake-up (`kick`).
import { retryDelay } from '@switchboard/protocol/backoff';
import type { StatusChange } from '@switchboard/protocol/agent-status-request';
import type { SettableStatus } from '@switchboard/protocol/status';
import { t } from '../i18n';
import { setAgentStatus, type CallResult } from '../snapengage/agent-status-client';
import { setStatusViaRelay } from '../relay/status-client';
import { loadSettings } from '../settings/store';
import type { Settings, SettingsResult } from '../settings/schema';
import { statusItem } from './store';
import { withConfirmed, type Confirmed, type Failure, type Intent, type StatusSource, type StatusState } from './state';

/** One status change, by the settings' mode. */
export function sendStatus(settings: Settings, change: StatusChange, signal?: AbortSignal): Promise<CallResult> {
  return settings.mode === 'relay'
    ? setStatusViaRelay(settings, change, signal)
    : setAgentStatus(settings, change, settings.statusRequest, signal);
}

export interface SenderDeps {
  send: typeof sendStatus;
  settings: () => Promise<SettingsResult>;
  now: () => number;
  isOnline: () => boolean;
  /** Wake the sender again at `at` (a timer now, and an alarm in case the worker is stopped). */
  schedule: (at: number) => void;
  newId: () => string;
  random: () => number;
  /** Called after each confirmed or observed change. */
  onConfirmed?: (confirmed: Confirmed) => void;
  /** Called for each new intent, before it is sent (automation forgets a pause a person overrode). */
  onIntent?: (intent: Intent) => void | Promise<void>;
}

export const defaultSenderDeps = (schedule: SenderDeps['schedule']): SenderDeps => ({
  send: sendStatus,
  settings: loadSettings,
  now: Date.now,
  isOnline: () => globalThis.navigator?.onLine !== false,
  schedule,
  newId: () => crypto.randomUUID(),
  random: Math.random,
});

export function createStatusSender(deps: SenderDeps) {
  let inFlight: { id: string; controller: AbortController } | null = null;
  let running: Promise<void> | null = null;
  let again = false;

  /** Records the agent's newest wish; any older pending or in-flight change is dropped. */
  async function request(status: SettableStatus, substatus: string | undefined, source: StatusSource): Promise<Intent> {
    const intent: Intent = {
      id: deps.newId(),
      status,
      substatus: status === 'pause' ? substatus : undefined,
      source,
      createdAt: deps.now(),
      attempts: 0,
      nextAttemptAt: deps.now(),
    };
    await statusItem.update((s) => ({ ...s, intent, failure: null }));
    await deps.onIntent?.(intent);
    if (inFlight && inFlight.id !== intent.id) inFlight.controller.abort();
    void kick();
    return intent;
  }

  /** Runs the send loop unless it already runs; safe to call on every wake-up and event. */
  function kick(): Promise<void> {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        await drain();
      } while (again);
    })().finally(() => {
      running = null;
    });
    return running;
  }

  async function drain(): Promise<void> {
    while (true) {
      const { intent } = await statusItem.get();
      if (!intent) return;
      const settings = await deps.settings();
      if (!settings.ok) {
        await settle(intent.id, (s) => ({
          ...s,
          intent: null,
          failure: { status: intent.status, substatus: intent.substatus, code: 'setup', message: t('notSetUpOpenOptions'), at: deps.now() },
        }));
        return;
      }
      if (!deps.isOnline()) {
        await settle(intent.id, (s) => ({ ...s, intent: { ...intent, lastError: t('offline') } }));
        return; // the `online` event kicks us again
      }
      const wait = intent.nextAttemptAt - deps.now();
      if (wait > 0) {
        deps.schedule(intent.nextAttemptAt);
        return;
      }
      const controller = new AbortController();
      inFlight = { id: intent.id, controller };
      let result: CallResult;
      try {
        result = await deps.send(
          settings.settings,
          { agentId: settings.settings.agentId, status: intent.status, substatus: intent.substatus },
          controller.signal,
        );
      } catch {
        continue; // aborted by a newer intent: loop picks it up
      } finally {
        inFlight = null;
      }
      await settle(intent.id, (s) => applyResult(s, intent, result));
    }
  }

  function applyResult(state: StatusState, intent: Intent, result: CallResult): StatusState {
    const now = deps.now();
    switch (result.kind) {
      case 'ok': {
        const confirmed: Confirmed = { status: intent.status, substatus: intent.substatus, since: now, source: intent.source };
        queueMicrotask(() => deps.onConfirmed?.(confirmed));
        return { ...withConfirmed(state, confirmed), intent: null, failure: null };
      }
      case 'rejected':
        return {
          ...state,
          intent: null,
          failure: { status: intent.status, substatus: intent.substatus, code: 'token-rejected', message: result.message, at: now },
        };
      case 'invalid':
        return {
          ...state,
          intent: null,
          failure: { status: intent.status, substatus: intent.substatus, code: 'invalid', message: result.message, at: now },
        };
      case 'retry': {
        const attempts = intent.attempts + 1;
        const nextAttemptAt = now + retryDelay(attempts, { retryAfterMs: result.retryAfterMs, random: deps.random });
        return { ...state, intent: { ...intent, attempts, nextAttemptAt, lastError: result.message } };
      }
    }
  }

  /** Writes only if `id` is still the newest intent: a result for a superseded change is dropped. */
  async function settle(id: string, fn: (s: StatusState) => StatusState): Promise<void> {
    await statusItem.update((s) => (s.intent?.id === id ? fn(s) : s));
  }

  /**
   * A status SnapEngage reports (its webhook, via the relay), or one the relay set itself (`phone`):
   * it is the truth unless we are mid-change.
   */
  async function observe(confirmed: Confirmed): Promise<void> {
    await statusItem.update((s) => {
      if (s.intent) return s;
      // The relay's report of its own change and SnapEngage's echo of it are one change, whichever
      // comes first: the echo already recorded takes the relay's source, no second entry.
      if (confirmed.source === 'phone' && s.confirmed?.source === 'snapengage' && sameStatus(s.confirmed, confirmed))
        return relabel(s, confirmed.source);
      // Echoes of our own earlier changes can arrive late; never step back in time.
      if (s.confirmed && s.confirmed.since > confirmed.since) return s;
      if (s.confirmed && sameStatus(s.confirmed, confirmed)) return s;
      queueMicrotask(() => deps.onConfirmed?.(confirmed));
      return { ...withConfirmed(s, confirmed), failure: null };
    });
  }

  /** A change the relay gave up making (call sync): shown unless the agent's own change is under way or a newer status is known. */
  async function observeFailure(failure: Failure): Promise<void> {
    await statusItem.update((s) => (s.intent || (s.confirmed && s.confirmed.since > failure.at) ? s : { ...s, failure }));
  }

  return { request, kick, observe, observeFailure };
}

const sameStatus = (a: Confirmed, b: Confirmed) => a.status === b.status && a.substatus === b.substatus;

/** The current status, and its entry in the history, with another source. */
function relabel(state: StatusState, source: StatusSource): StatusState {
  const current = state.confirmed!;
  const confirmed = { ...current, source };
  const last = state.history.at(-1);
  const history =
    last && last.since === current.since && sameStatus(last, current) ? [...state.history.slice(0, -1), confirmed] : state.history;
  return { ...state, confirmed, history };
}
export type StatusSender = ReturnType<typeof createStatusSender>;
