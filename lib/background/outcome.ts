// What the worker does with each event the relay delivered, once its state is stored:
// show (or, in quiet mode, hold) notices, follow SnapEngage's view of my status (and what the
// relay changed itself, or failed to), react to phone calls, and apply a queued next status when the last chat closes.
import { normalizeAgentId } from '@switchboard/protocol/agent-id';
import { CallData, CALL_KIND } from '@switchboard/protocol/phone';
import type { EventFrame } from '@switchboard/protocol/frames';
import type { HandledEvent } from '../relay/connection';
import { HeldNotice, type ChatNotice } from '../notifications/notice';
import { showNotice, showNotices } from '../notifications/notify';
import { loadSettings } from '../settings/store';
import { statusItem } from '../status/store';
import { viewStatus } from '../status/view';
import type { StatusSender } from '../status/sender';
import type { Automation } from '../automation/automation';
import { automationItem, HELD_LIMIT } from '../automation/state';
import { t } from '../i18n';

export function createOutcomeHandler(sender: StatusSender, automation: Automation) {
  return async (handled: HandledEvent[]) => {
    const loaded = await loadSettings();
    if (!loaded.ok) return;
    const settings = loaded.settings;
    const paused = viewStatus(await statusItem.get()).status === 'pause';
    const notices = handled.flatMap((h) => h.outcome.notices);
    const hold = (n: ChatNotice) => settings.quietWhilePaused && paused && n.kind === 'closed';
    const held = notices.filter(hold);
    if (held.length) {
      await automationItem.update((a) => ({
        ...a,
        held: [...a.held, ...held.map((n) => HeldNotice.parse(n))].slice(-HELD_LIMIT),
      }));
    }
    await showNotices(
      notices.filter((n) => !hold(n)),
      { sound: settings.sound },
    );
    for (const { outcome, event, openBefore } of handled) {
      if (outcome.observed) await sender.observe(outcome.observed);
      if (outcome.failed) await sender.observeFailure(outcome.failed);
      // Only `call`: a `call_handled` is one the relay applied itself (relay mode), never applied again here.
      if (event.kind === CALL_KIND) await onCall(event, settings.agentId, settings.callSubstatus);
      await automation.chatsChanged(openBefore, outcome.state.openChats.length);
    }
  };

  async function onCall(event: EventFrame, me: string, callSubstatus: string) {
    const call = CallData.safeParse(event.data);
    if (!call.success || normalizeAgentId(call.data.agent) !== normalizeAgentId(me)) return;
    if (call.data.state === 'started') await automation.callStarted(call.data.callId, callSubstatus);
    else await automation.callEnded(call.data.callId);
  }
}

/** Quiet mode is over (the agent is back online): one notice for what was held. */
export async function releaseHeld(sound: boolean): Promise<void> {
  let held: ChatNotice[] = [];
  await automationItem.update((a) => {
    held = a.held;
    return a.held.length ? { ...a, held: [] } : a;
  });
  if (held.length === 1) await showNotice({ ...held[0]!, kind: 'closed' }, { sound });
  else if (held.length > 1) {
    await showNotice(
      {
        id: `summary-quiet-${Date.now()}`,
        kind: 'summary',
        title: t('noticeClosedPaused', [String(held.length)]),
        message: held.map((n) => n.subject ?? n.title).join(', '),
      },
      { sound },
    );
  }
}
