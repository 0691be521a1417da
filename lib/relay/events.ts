// What the extension does with each event the relay forwards. Pure decisions over the relay
// state; the caller performs the resulting notices and status observations.
import { normalizeAgentId } from '@switchboard/protocol/agent-id';
import { AgentStatusData, ConversationData } from '@switchboard/protocol/conversation';
import type { EventFrame } from '@switchboard/protocol/frames';
import { STATUS_CHANGE_KIND, StatusChangeData } from '@switchboard/protocol/status-change';
import type { Settings } from '../settings/schema';
import { formatDuration } from '../duration';
import type { ChatNotice } from '../notifications/notice';
import type { Confirmed, Failure } from '../status/state';
import { HELD_CLOSED_LIMIT, NOTIFIED_LIMIT, OPEN_CHATS_LIMIT, type OpenChat, type RelayState } from './state';
import { chatLink } from './chat-link';
import { t } from '../i18n';

export interface EventOutcome {
  state: RelayState;
  notices: ChatNotice[];
  observed?: Confirmed;
  /** A change the relay gave up making for this agent (call sync in relay mode): shown, never retried here. */
  failed?: Failure;
}

/** Applies one event, then — when it was the last of a replayed backlog — sums up what was held. */
export function handleEvent(state: RelayState, event: EventFrame, settings: Settings): EventOutcome {
  const outcome = applyEvent(state, event, settings);
  const replay = outcome.state.replay;
  if (replay && event.seq >= replay.until) {
    outcome.state = { ...outcome.state, replay: undefined };
    const held = replay.heldClosed;
    if (held.length === 1) outcome.notices.push(held[0]!);
    if (held.length > 1) {
      outcome.notices.push({
        id: `summary-closed-${event.seq}`,
        kind: 'summary',
        title: t('noticeClosedAway', [String(held.length)]),
        message: held.map((n) => n.subject ?? n.title).join(', '),
      });
    }
  }
  return outcome;
}

function applyEvent(state: RelayState, event: EventFrame, settings: Settings): EventOutcome {
  // Compared as the relay compares them (NFKC + lower case): an id it routes to this agent is this agent's.
  const me = normalizeAgentId(settings.agentId);
  const isMe = (id: string | undefined) => id !== undefined && normalizeAgentId(id) === me;
  const next: RelayState = { ...state, lastSeq: Math.max(state.lastSeq, event.seq) };
  const notices: ChatNotice[] = [];
  const alreadyNotified = state.notified.includes(event.id);
  const replay = state.replay && event.seq <= state.replay.until ? state.replay : undefined;
  const notify = (kind: keyof Settings['notify'], notice: ChatNotice) => {
    if (alreadyNotified || !settings.notify[kind] || replay?.silent) return;
    // No floods: closed chats in a backlog are summed up at its end; new chats still each get theirs.
    if (replay && kind === 'closed')
      next.replay = { ...replay, heldClosed: [...(next.replay ?? replay).heldClosed, notice].slice(-HELD_CLOSED_LIMIT) };
    else notices.push(notice);
  };

  if (event.kind === 'agent_status') {
    const data = AgentStatusData.safeParse(event.data);
    if (!data.success || !isMe(data.data.agentId)) return { state: next, notices };
    return {
      state: next,
      notices,
      observed: { status: data.data.status, substatus: data.data.substatus, since: Date.parse(event.at), source: 'snapengage' },
    };
  }

  if (event.kind === STATUS_CHANGE_KIND) return relayChange(state, next, event, isMe);

  const parsed = ConversationData.safeParse(event.data);
  if (!parsed.success) return { state: next, notices }; // unknown or malformed kinds are ignored
  const chat = parsed.data;
  const at = Date.parse(event.at);
  const transferredToMe = event.kind === 'transferred' && isMe(chat.transfer?.toAgentId);
  const transferredAway = event.kind === 'transferred' && !transferredToMe && isMe(chat.transfer?.fromAgentId);

  // What a webhook says is a link is only kept when it goes to SnapEngage (./chat-link).
  const url = chatLink(chat.url, chat.conversationId, settings.apiBaseUrl);
  if (event.kind === 'assigned' || transferredToMe) {
    const open = toOpenChat(chat, at, url);
    if (!isClosedLater(state, event))
      next.openChats = [open, ...state.openChats.filter((c) => c.conversationId !== open.conversationId)].slice(0, OPEN_CHATS_LIMIT);
    notify(event.kind === 'assigned' ? 'assigned' : 'transferred', {
      id: event.id,
      kind: event.kind === 'assigned' ? 'assigned' : 'transferred',
      title: t(event.kind === 'assigned' ? 'noticeNewChat' : 'noticeTransferred', [open.visitor]),
      subject: open.visitor,
      message: chat.description || t('noticeNoQuestion'),
      context: contextLine(chat),
      url,
    });
  } else if (event.kind === 'closed' || transferredAway) {
    const open = state.openChats.find((c) => c.conversationId === chat.conversationId);
    next.openChats = state.openChats.filter((c) => c.conversationId !== chat.conversationId);
    next.closedIds = [...(state.closedIds ?? []), chat.conversationId].slice(-NOTIFIED_LIMIT);
    if (event.kind === 'closed') {
      const started = chat.createdAt ?? open?.assignedAt;
      const ended = chat.closedAt ?? at;
      notify('closed', {
        id: event.id,
        kind: 'closed',
        title: t('noticeClosed', [open?.visitor ?? visitorName(chat)]),
        subject: open?.visitor ?? visitorName(chat),
        message: started ? t('noticeLasted', [formatDuration(ended - started)]) : t('noticeEnded'),
        context: contextLine(chat),
        url,
      });
    }
  }
  if (notices.length || next.replay !== state.replay) next.notified = [...state.notified, event.id].slice(-NOTIFIED_LIMIT);
  return { state: next, notices };
}

/**
 * What the relay did to my status on its own (a phone call, relay mode: docs/phone-sync.md), handled
 * once by its id: the same event may come again under a new seq. Never done again here: a confirmed
 * change is observed as SnapEngage's truth with its source, a failed one shown.
 */
function relayChange(state: RelayState, next: RelayState, event: EventFrame, isMe: (id: string) => boolean): EventOutcome {
  const parsed = StatusChangeData.safeParse(event.data);
  if (!parsed.success || !isMe(parsed.data.agent) || state.notified.includes(event.id)) return { state: next, notices: [] };
  next.notified = [...state.notified, event.id].slice(-NOTIFIED_LIMIT);
  const change = parsed.data;
  const target = { status: change.status, substatus: change.status === 'pause' ? change.substatus : undefined };
  const at = Date.parse(event.at);
  if (change.result === 'confirmed') return { state: next, notices: [], observed: { ...target, since: at, source: 'phone' } };
  const message =
    change.result === 'rejected'
      ? t('phoneCallRejected')
      : change.result === 'invalid'
        ? t('phoneCallInvalid', [change.detail?.slice(0, 200) || `HTTP ${change.httpStatus ?? '4xx'}`])
        : t('phoneCallDropped');
  // `dropped` has no failure code of its own: it is shown as `invalid` is.
  return {
    state: next,
    notices: [],
    failed: { ...target, code: change.result === 'rejected' ? 'token-rejected' : 'invalid', message, at },
  };
}

/** Events of one chat may arrive out of order: a *closed* seen first keeps a late *assigned* out of the open list. */
function isClosedLater(state: RelayState, event: EventFrame): boolean {
  const id = (event.data as { conversationId?: unknown }).conversationId;
  return typeof id === 'string' && (state.closedIds ?? []).includes(id);
}

function toOpenChat(chat: ConversationData, at: number, url: string | undefined): OpenChat {
  return {
    conversationId: chat.conversationId,
    url,
    visitor: visitorName(chat),
    question: chat.description,
    widgetId: chat.widgetId,
    assignedAt: at,
  };
}

function visitorName(chat: ConversationData): string {
  return chat.requesterName || chat.requesterEmail || t('aVisitor');
}

function contextLine(chat: ConversationData): string | undefined {
  const parts = [
    chat.requesterName && chat.requesterEmail ? chat.requesterEmail : undefined,
    chat.pageUrl ?? (chat.widgetId ? `widget ${chat.widgetId}` : undefined),
  ];
  const line = parts.filter(Boolean).join(' · ');
  return line || undefined;
}
