// Status changes Switchboard makes on the agent's behalf: a phone call, the machine idle or
// locked, a queued "next status". The rule for the first two: we undo only a pause we made,
// and any change by a person (or by an admin in SnapEngage) ends our claim on it.
import type { StatusSender } from '../status/sender';
import { statusItem } from '../status/store';
import type { Confirmed, Intent, StatusSource } from '../status/state';
import { viewStatus } from '../status/view';
import { automationItem, CALLS_LIMIT, type AutoPauser, type NextStatus } from './state';

const AUTOMATIC: ReadonlySet<StatusSource> = new Set(['phone', 'idle', 'next-status']);

export function createAutomation(getSender: () => StatusSender) {
  /** A person chose a status: whatever we paused is theirs now. */
  async function onIntent(intent: Intent) {
    if (AUTOMATIC.has(intent.source)) return;
    await automationItem.update((a) => (a.pausedBy ? { ...a, pausedBy: null } : a));
  }

  /** SnapEngage reports a status someone else set: same rule as a person's change. */
  async function onConfirmed(confirmed: Confirmed) {
    if (confirmed.source !== 'snapengage') return;
    await automationItem.update((a) => (a.pausedBy && confirmed.status !== 'pause' ? { ...a, pausedBy: null } : a));
  }

  async function pauseFor(by: AutoPauser, substatus: string | undefined) {
    const view = viewStatus(await statusItem.get());
    const { pausedBy } = await automationItem.get();
    if (pausedBy || view.status === 'pause') return; // already paused — by us, or by the agent (never overridden)
    await automationItem.update((a) => ({ ...a, pausedBy: by }));
    await getSender().request('pause', substatus, by);
  }

  async function resumeFor(by: AutoPauser) {
    const { pausedBy } = await automationItem.get();
    if (pausedBy !== by) return;
    await automationItem.update((a) => ({ ...a, pausedBy: null }));
    await getSender().request('online', undefined, by);
  }

  async function callStarted(callId: string, substatus: string) {
    await automationItem.update((a) => (a.calls.includes(callId) ? a : { ...a, calls: [...a.calls, callId].slice(-CALLS_LIMIT) }));
    await pauseFor('phone', substatus);
  }

  async function callEnded(callId: string) {
    const { calls } = await automationItem.update((a) => ({ ...a, calls: a.calls.filter((c) => c !== callId) }));
    if (calls.length === 0) await resumeFor('phone');
  }

  async function idleChanged(state: 'active' | 'idle' | 'locked', substatus: string) {
    if (state === 'active') await resumeFor('idle');
    else await pauseFor('idle', substatus);
  }

  /** Queues the status to apply when the last open chat closes; with no chat open it applies now. */
  async function queueNext(next: NextStatus | null, openChats: number) {
    if (next && openChats === 0) {
      await getSender().request(next.status, next.substatus, 'next-status');
      return;
    }
    await automationItem.update((a) => ({ ...a, nextStatus: next ?? undefined }));
  }

  async function chatsChanged(before: number, after: number) {
    if (!(before > 0 && after === 0)) return;
    const { nextStatus } = await automationItem.get();
    if (!nextStatus) return;
    await automationItem.update((a) => ({ ...a, nextStatus: undefined }));
    await getSender().request(nextStatus.status, nextStatus.substatus, 'next-status');
  }

  return { onIntent, onConfirmed, callStarted, callEnded, idleChanged, queueNext, chatsChanged };
}
export type Automation = ReturnType<typeof createAutomation>;
