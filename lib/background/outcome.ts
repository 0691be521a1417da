// What the worker does with each event the relay delivered, once its state is stored:
// show (or, in quiet mode, hold) notices, follow SnapEngage's view of my status, react to
// phone calls, and apply a queued next status when the last chat closes.
import { CallData, CALL_KIND } from '../protocol/phone';
import type { EventFrame } from '../protocol/frames';
import type { EventOutcome } from '../relay/events';
import { showNotice, type ChatNotice } from '../notifications/notify';
import { loadSettings } from '../settings/store';
import { statusItem } from '../status/store';
import { viewStatus } from '../status/state';
import type { StatusSender } from '../status/sender';
import type { Automation } from '../automation/automation';
import { automationItem } from '../automation/state';

export function createOutcomeHandler(sender: StatusSender, automation: Automation) {
  return async (outcome: EventOutcome, frame: EventFrame, openBefore: number) => {
    const loaded = await loadSettings();
    if (!loaded.ok) return;
    const settings = loaded.settings;
    const paused = viewStatus(await statusItem.get()).status === 'pause';
    for (const notice of outcome.notices) {
      if (settings.quietWhilePaused && paused && notice.kind === 'closed') {
        await automationItem.update((a) => ({ ...a, held: [...a.held, { id: notice.id, title: notice.title, message: notice.message }].slice(-20) }));
        continue;
      }
      await showNotice(notice, { sound: settings.sound }).catch(() => undefined);
    }
    if (outcome.observed) await sender.observe(outcome.observed);
    if (frame.kind === CALL_KIND) {
      const call = CallData.safeParse(frame.data);
      if (call.success && call.data.agent.toLowerCase() === settings.agentId.toLowerCase()) {
        if (call.data.state === 'started') await automation.callStarted(call.data.callId, settings.callSubstatus);
        else await automation.callEnded(call.data.callId);
      }
    }
    await automation.chatsChanged(openBefore, outcome.state.openChats.length);
  };
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
      { id: `summary-quiet-${Date.now()}`, kind: 'summary', title: `${held.length} chats closed while you were paused`, message: held.map((n) => n.title.replace(/^Chat closed: /, '')).join(', ') },
      { sound },
    );
  }
}
