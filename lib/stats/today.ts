// Today's numbers for the popup: chats handled and average handling time from the relay's
// stored events, time paused by reason from the status history this browser recorded.
import { ConversationData } from '@switchboard/protocol/conversation';
import { EVENTS_API_PATH, EVENTS_PAGE_MAX, EventsPage, type StoredEvent } from '@switchboard/protocol/events-api';
import { t } from '../i18n';
import type { Confirmed } from '../status/state';
import { relayHttpBase } from '../relay/url';
import { startOfDay } from './day';

export interface TodayStats {
  chatsHandled: number;
  /** null when no chat closed today */
  averageHandlingMs: number | null;
  /** pause reason ('' for none) -> ms paused today */
  pausedMs: Record<string, number>;
  /** why chat figures are missing, when they are */
  relayNote?: string;
}

/** Sums the time each pause reason held since midnight, from the ordered status history. */
export function pausedToday(history: Confirmed[], now: number): Record<string, number> {
  const from = startOfDay(now);
  const totals: Record<string, number> = {};
  history.forEach((entry, i) => {
    if (entry.status !== 'pause') return;
    const end = history[i + 1]?.since ?? now;
    const start = Math.max(entry.since, from);
    if (end <= start) return;
    const key = entry.substatus ?? '';
    totals[key] = (totals[key] ?? 0) + (end - start);
  });
  return totals;
}

/** Closed chats today and their average duration (created → closed). */
export function chatFigures(events: StoredEvent[], now: number): Pick<TodayStats, 'chatsHandled' | 'averageHandlingMs'> {
  const from = startOfDay(now);
  const assignedAt = new Map<string, number>();
  const durations: number[] = [];
  const closed = new Set<string>();
  for (const e of events) {
    const chat = ConversationData.safeParse(e.data);
    if (!chat.success) continue;
    const at = Date.parse(e.at);
    if (e.kind === 'assigned' || e.kind === 'transferred') assignedAt.set(chat.data.conversationId, at);
    if (e.kind !== 'closed' || at < from || closed.has(chat.data.conversationId)) continue;
    closed.add(chat.data.conversationId);
    const start = chat.data.createdAt ?? assignedAt.get(chat.data.conversationId);
    const end = chat.data.closedAt ?? at;
    if (start !== undefined && end >= start) durations.push(end - start);
  }
  return {
    chatsHandled: closed.size,
    averageHandlingMs: durations.length ? Math.round(durations.reduce((a, b) => a + b, 0) / durations.length) : null,
  };
}

/**
 * Pages through the relay's stored events for this agent (the relay keeps 7 days). Fails with a
 * message the agent can read, in their language.
 */
export async function fetchStoredEvents(relayUrl: string, relayToken: string, signal?: AbortSignal): Promise<StoredEvent[]> {
  const all: StoredEvent[] = [];
  const base = relayHttpBase(relayUrl);
  let after = 0;
  for (let page = 0; page < 50; page++) {
    let response: Response;
    try {
      response = await fetch(`${base}${EVENTS_API_PATH}?after=${after}&limit=${EVENTS_PAGE_MAX}`, {
        headers: { Authorization: `Bearer ${relayToken}` },
        signal,
      });
    } catch (error) {
      // Chrome before 124 rejects a timed-out fetch with an AbortError, not a TimeoutError: ask the signal too.
      const timedOut = signal?.aborted || (error as Error).name === 'TimeoutError';
      throw new Error(timedOut ? t('relayNoAnswer') : t('relayUnreachable', [base]));
    }
    if (!response.ok) throw new Error(t('relayHttpStatus', [String(response.status)]));
    const parsed = EventsPage.safeParse(await response.json().catch(() => undefined));
    if (!parsed.success) throw new Error(t('relayNotARelay'));
    const { events } = parsed.data;
    all.push(...events);
    if (events.length < EVENTS_PAGE_MAX) break;
    after = events.at(-1)!.seq;
  }
  return all;
}
