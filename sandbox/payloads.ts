// Webhook bodies as the sandbox believes SnapEngage sends them (docs/snapengage-contract.md).
// The canonical shape is our inference; `spell` rewrites it into each spelling receivers must
// tolerate, so the relay's adapter can be tested against all of them from one source.
import { randomUUID } from 'node:crypto';
import type { ConversationKind } from '@switchboard/protocol/event-kinds';
import type { AgentStatus } from '@switchboard/protocol/status';

// Queued and broadcasted chats wait for someone to pick them up, so nobody is attached yet.
const KINDS_WITHOUT_AGENT: readonly ConversationKind[] = ['queued', 'broadcasted'];

const SANDBOX_WIDGET_ID = '4e09afaa-5d2c-4c8e-9a43-5ab1e0c7d001';

const DEFAULT_VISITOR = {
  name: 'Sam',
  email: 'sam@example.org',
  question: 'Where is my order?',
  pageUrl: 'https://shop.example.com/orders',
} as const;

export interface Label {
  name: string;
  value?: string;
}
export interface Survey {
  score?: number;
  comment?: string;
}

export interface ConversationEventOptions {
  /** The agent's email; ignored for queued / broadcasted. */
  agent?: string;
  agentAlias?: string;
  eventId?: string;
  conversationId?: string;
  widgetId?: string;
  /** epoch ms; default now */
  timestamp?: number;
  visitorName?: string;
  visitorEmail?: string;
  question?: string;
  pageUrl?: string;
  /** epoch ms; default timestamp - 10 s */
  createdAt?: number;
  /** transferred: who had the chat before `agent`. */
  fromAgent?: string;
  labels?: Label[];
  survey?: Survey;
  /** closed: epoch ms; default timestamp */
  closedAt?: number;
  spelling?: Spelling | readonly Spelling[];
}

export interface ConversationEventBody {
  event: `conversation_${ConversationKind}`;
  eventId: string;
  timestamp: number;
  widgetId: string;
  conversation: {
    id: string;
    url: string;
    type: 'chat';
    requesterEmail: string;
    requesterName: string;
    description: string;
    pageUrl: string;
    createdAt: number;
  };
  agent?: { id: string; alias: string };
  transfer?: { fromAgentId: string; toAgentId: string };
  labels?: Label[];
  survey?: Survey;
  closedAt?: number;
}

export interface AgentStatusEventBody {
  agentId: string;
  status: AgentStatus;
  substatus?: string;
  previousStatus?: string;
  timestamp: number;
}

/** Any body after `spell`: the shape depends on the spelling. */
export type WireBody = Record<string, unknown>;

function conversationUrl(conversationId: string): string {
  return `https://www.snapengage.com/viewcase?c=${encodeURIComponent(conversationId)}`;
}

/** "alice.smith@example.com" → "Alice Smith": what an alias plausibly looks like. */
function aliasFromEmail(email: string): string {
  const local = email.split('@')[0] ?? email;
  return local
    .split(/[._-]+/)
    .filter(Boolean)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join(' ');
}

function otherAgent(agent: string): string {
  return agent.toLowerCase() === 'bob@example.com' ? 'alice@example.com' : 'bob@example.com';
}

export function conversationEvent(
  kind: ConversationKind,
  opts?: ConversationEventOptions & { spelling?: undefined },
): ConversationEventBody;
export function conversationEvent(kind: ConversationKind, opts: ConversationEventOptions): WireBody;
export function conversationEvent(kind: ConversationKind, opts: ConversationEventOptions = {}): ConversationEventBody | WireBody {
  const timestamp = opts.timestamp ?? Date.now();
  const conversationId = opts.conversationId ?? randomUUID();
  const agentId = opts.agent ?? 'alice@example.com';
  const body: ConversationEventBody = {
    event: `conversation_${kind}`,
    eventId: opts.eventId ?? randomUUID(),
    timestamp,
    widgetId: opts.widgetId ?? SANDBOX_WIDGET_ID,
    conversation: {
      id: conversationId,
      url: conversationUrl(conversationId),
      type: 'chat',
      requesterEmail: opts.visitorEmail ?? DEFAULT_VISITOR.email,
      requesterName: opts.visitorName ?? DEFAULT_VISITOR.name,
      description: opts.question ?? DEFAULT_VISITOR.question,
      pageUrl: opts.pageUrl ?? DEFAULT_VISITOR.pageUrl,
      createdAt: opts.createdAt ?? timestamp - 10_000,
    },
  };
  if (!KINDS_WITHOUT_AGENT.includes(kind)) {
    body.agent = { id: agentId, alias: opts.agentAlias ?? aliasFromEmail(agentId) };
  }
  if (kind === 'transferred') {
    body.transfer = { fromAgentId: opts.fromAgent ?? otherAgent(agentId), toAgentId: agentId };
  }
  if (kind === 'labeled') body.labels = opts.labels ?? [{ name: 'topic', value: 'billing' }];
  if (kind === 'surveyed') body.survey = opts.survey ?? { score: 5, comment: 'Great help' };
  if (kind === 'closed') body.closedAt = opts.closedAt ?? timestamp;
  return opts.spelling === undefined ? body : spell(body, opts.spelling);
}

export function agentStatusEvent(input: {
  agentId: string;
  status: AgentStatusEventBody['status'];
  substatus?: string | null;
  previousStatus?: string | null;
  timestamp?: number;
}): AgentStatusEventBody {
  // Key order as in the contract's example, for readable logs.
  const body: AgentStatusEventBody = { agentId: input.agentId, status: input.status } as AgentStatusEventBody;
  if (input.substatus !== undefined && input.substatus !== null) body.substatus = input.substatus;
  if (input.previousStatus !== undefined && input.previousStatus !== null) body.previousStatus = input.previousStatus;
  body.timestamp = input.timestamp ?? Date.now();
  return body;
}

// ---- spellings ---------------------------------------------------------------------------

export const SPELLINGS = [
  'canonical', // conversation_assigned, camelCase keys, epoch ms
  'upper', // CONVERSATION_ASSIGNED
  'dotted', // conversation.assigned
  'bare', // assigned
  'case', // case_assigned
  'broadcast', // broadcasted only: "broadcast"
  'broadcasting', // broadcasted only: "broadcasting"
  'snake', // event_id, widget_id, case_id, agent_id, agent_alias, snake_case everywhere
  'snake-chat-agent', // as snake, but chat_agent_id
  'seconds', // timestamps in epoch seconds
  'iso', // timestamps as ISO strings
  'no-event-id', // eventId left out
] as const;
export type Spelling = (typeof SPELLINGS)[number];

export function isSpelling(value: string): value is Spelling {
  return (SPELLINGS as readonly string[]).includes(value);
}

const EVENT_TYPE_SPELLINGS: Partial<Record<Spelling, (kind: string) => string>> = {
  canonical: (kind) => `conversation_${kind}`,
  upper: (kind) => `CONVERSATION_${kind.toUpperCase()}`,
  dotted: (kind) => `conversation.${kind}`,
  bare: (kind) => kind,
  case: (kind) => `case_${kind}`,
  broadcast: (kind) => (kind === 'broadcasted' ? 'broadcast' : `conversation_${kind}`),
  broadcasting: (kind) => (kind === 'broadcasted' ? 'broadcasting' : `conversation_${kind}`),
};

const TIMESTAMP_KEYS = new Set(['timestamp', 'createdAt', 'created_at', 'closedAt', 'closed_at']);

/**
 * Rewrites a canonical body (conversation or agent status) into the given spellings, applied
 * in a fixed order: event type, keys, timestamps, event id. Unknown fields pass through.
 */
export function spell(body: object, spelling: Spelling | readonly Spelling[]): WireBody {
  const spellings: readonly Spelling[] = typeof spelling === 'string' ? [spelling] : spelling;
  let out = structuredClone(body) as WireBody;
  for (const s of spellings) {
    const respell = EVENT_TYPE_SPELLINGS[s];
    if (respell && typeof out.event === 'string') out.event = respell(kindOf(out.event));
  }
  if (spellings.includes('snake')) out = toSnake(out, 'agent_id');
  else if (spellings.includes('snake-chat-agent')) out = toSnake(out, 'chat_agent_id');
  if (spellings.includes('seconds')) out = mapTimestamps(out, (ms) => Math.floor(ms / 1000)) as WireBody;
  else if (spellings.includes('iso')) out = mapTimestamps(out, (ms) => new Date(ms).toISOString()) as WireBody;
  if (spellings.includes('no-event-id')) {
    delete out.eventId;
    delete out.event_id;
  }
  return out;
}

/** One body per spelling that applies to this body, plus one mixing several at once. */
export interface Variant {
  name: string;
  spelling: Spelling[];
  body: WireBody;
}

export function variants(body: object): Variant[] {
  const event = (body as WireBody).event;
  const kind = typeof event === 'string' ? kindOf(event) : undefined;
  const applicable = SPELLINGS.filter((s) => {
    if (s === 'broadcast' || s === 'broadcasting') return kind === 'broadcasted';
    if (EVENT_TYPE_SPELLINGS[s] && s !== 'canonical') return kind !== undefined;
    return true;
  });
  const out: Variant[] = applicable.map((s) => ({ name: s, spelling: [s], body: spell(body, s) }));
  const mixed: Spelling[] = kind === undefined ? ['snake', 'seconds'] : ['case', 'snake', 'seconds', 'no-event-id'];
  out.push({ name: mixed.join('+'), spelling: mixed, body: spell(body, mixed) });
  return out;
}

function kindOf(event: string): string {
  return event.toLowerCase().replace(/^(conversation|case)[^a-z]*/, '');
}

function snakeKey(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

function snakeDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(snakeDeep);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [snakeKey(k), snakeDeep(v)]));
  }
  return value;
}

// Ids move to the top level (case_id, agent_id, agent_alias) the way SnapEngage's other
// webhooks flatten them; the rest of the conversation keeps its object, snake_cased.
function toSnake(body: WireBody, agentIdKey: 'agent_id' | 'chat_agent_id'): WireBody {
  const { conversation, agent, ...rest } = body as WireBody & {
    conversation?: WireBody & { id?: unknown };
    agent?: { id?: unknown; alias?: unknown };
  };
  const out: WireBody = {};
  for (const [key, value] of Object.entries(rest)) {
    out[snakeKey(key)] = snakeDeep(value);
    if (key === 'widgetId' && conversation) out.case_id = conversation.id;
  }
  if (conversation && !('case_id' in out)) out.case_id = conversation.id;
  if (agent) {
    out[agentIdKey] = agent.id;
    out.agent_alias = agent.alias;
  }
  if (conversation) {
    const { id: _id, ...details } = conversation;
    out.conversation = snakeDeep(details);
  }
  return out;
}

function mapTimestamps(value: unknown, convert: (ms: number) => number | string, key?: string): unknown {
  if (typeof value === 'number' && key !== undefined && TIMESTAMP_KEYS.has(key)) return convert(value);
  if (Array.isArray(value)) return value.map((v) => mapTimestamps(v, convert));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapTimestamps(v, convert, k)]));
  }
  return value;
}
