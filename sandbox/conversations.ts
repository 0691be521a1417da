// The sandbox's memory of conversations: a webhook fired for an agent continues that agent's chat
// (a *closed* closes the chat an *assigned* opened, with the same visitor and question) unless the
// caller names another, so a test or a demo fires kinds, not ids.
import { randomUUID } from 'node:crypto';
import { CONVERSATION_KINDS, isConversationKind, type ConversationKind } from '@switchboard/protocol/event-kinds';
import type { AgentDirectory } from './agents';
import { SandboxError } from './errors';
import { conversationEvent, type Label, type Spelling, type Survey, type WireBody } from './payloads';

export interface FireOptions {
  /** default: the first agent */
  agent?: string;
  visitorName?: string;
  visitorEmail?: string;
  question?: string;
  /** default: a new conversation for assigned/queued/broadcasted, else the agent's latest */
  conversationId?: string;
  /** transferred: default the agent's colleague */
  fromAgent?: string;
  eventId?: string;
  timestamp?: number;
  labels?: Label[];
  survey?: Survey;
  /** deliver the same body twice */
  duplicate?: boolean;
  spelling?: Spelling | Spelling[];
}

interface ConversationRecord {
  id: string;
  visitorName?: string;
  visitorEmail?: string;
  question?: string;
  createdAt: number;
}

const NEW_CONVERSATION_KINDS: readonly ConversationKind[] = ['assigned', 'queued', 'broadcasted'];

export class Conversations {
  /** By conversation id, and by `agent:<email>` for the agent's latest. */
  private readonly records = new Map<string, ConversationRecord>();

  constructor(private readonly directory: AgentDirectory) {}

  /** The webhook body for one event of `kind`, remembering the conversation it belongs to. */
  event(kind: ConversationKind, fire: FireOptions): WireBody {
    if (!isConversationKind(kind)) {
      throw new SandboxError(`Unknown kind "${String(kind)}"; use one of ${CONVERSATION_KINDS.join(', ')}`, 400);
    }
    const agent = fire.agent ?? this.directory.emails()[0] ?? 'alice@example.com';
    const fromAgent =
      kind === 'transferred' ? (fire.fromAgent ?? this.directory.emails().find((e) => e.toLowerCase() !== agent.toLowerCase())) : undefined;
    const known = fire.conversationId
      ? this.records.get(fire.conversationId)
      : NEW_CONVERSATION_KINDS.includes(kind)
        ? undefined
        : ((fromAgent ? this.records.get(`agent:${fromAgent.toLowerCase()}`) : undefined) ??
          this.records.get(`agent:${agent.toLowerCase()}`));
    const timestamp = fire.timestamp ?? Date.now();
    const record: ConversationRecord = {
      id: fire.conversationId ?? known?.id ?? randomUUID(),
      createdAt: known?.createdAt ?? timestamp - 10_000,
    };
    const visitorName = fire.visitorName ?? known?.visitorName;
    const visitorEmail = fire.visitorEmail ?? known?.visitorEmail;
    const question = fire.question ?? known?.question;
    if (visitorName !== undefined) record.visitorName = visitorName;
    if (visitorEmail !== undefined) record.visitorEmail = visitorEmail;
    if (question !== undefined) record.question = question;
    this.records.set(record.id, record);
    if (!NEW_CONVERSATION_KINDS.includes(kind) || kind === 'assigned') {
      this.records.set(`agent:${agent.toLowerCase()}`, record);
    }
    return conversationEvent(kind, {
      agent,
      conversationId: record.id,
      createdAt: record.createdAt,
      timestamp,
      ...(visitorName !== undefined && { visitorName }),
      ...(visitorEmail !== undefined && { visitorEmail }),
      ...(question !== undefined && { question }),
      ...(fromAgent !== undefined && { fromAgent }),
      ...(fire.eventId !== undefined && { eventId: fire.eventId }),
      ...(fire.labels !== undefined && { labels: fire.labels }),
      ...(fire.survey !== undefined && { survey: fire.survey }),
      ...(fire.spelling !== undefined && { spelling: fire.spelling }),
    });
  }
}
