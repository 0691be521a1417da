// The one place that knows how SnapEngage spells its webhooks. The wire format is not public
// (docs/snapengage-contract.md), so every tolerated variant is mapped here and nowhere
// else: when the real format turns out different, this file changes and nothing downstream.
import type * as z from 'zod/mini';
import { normalizeAgentId } from '@switchboard/protocol/agent-id';
import { AgentStatusData, ConversationData } from '@switchboard/protocol/conversation';
import { AGENT_STATUS_KIND, isConversationKind } from '@switchboard/protocol/event-kinds';
import { AGENT_STATUSES, isAgentStatus } from '@switchboard/protocol/status';
import { contentIdOf } from '../ids';
import { isObject } from '../json';

export interface AdaptedEvent {
  id: string;
  kind: string;
  /** ISO 8601 */
  at: string;
  /** Agent emails, normalised (normalizeAgentId); empty when the event has no addressee. */
  recipients: string[];
  data: Record<string, unknown>;
}
/**
 * Why a body could not be read, as a short code that stays the same across releases: the relay
 * quarantines such a body under this code (metrics, logs, `quarantine list`); `error` says more.
 */
export const ADAPT_FAILURES = [
  'not_object',
  'missing_kind',
  'bad_kind',
  'missing_conversation',
  'missing_agent',
  'missing_transfer_target',
  'missing_status',
  'unknown_status',
  'bad_field',
  'invalid_field',
] as const;
type AdaptFailure = (typeof ADAPT_FAILURES)[number];
export type AdaptResult = { ok: true; event: AdaptedEvent } | { ok: false; error: string; reason: AdaptFailure };

type Obj = Record<string, unknown>;

/** Thrown inside the adapter for a field with the wrong type; becomes `{ok:false}`. */
class FieldError extends Error {}

/** `conversation_assigned`, `CONVERSATION.ASSIGNED`, `case_assigned`, `assigned` → `assigned`. */
export function normalizeKind(raw: string): string {
  let k = raw.toLowerCase().replace(/[^a-z]/g, '');
  for (const prefix of ['conversation', 'case']) {
    if (k.startsWith(prefix) && k.length > prefix.length) {
      k = k.slice(prefix.length);
      break;
    }
  }
  if (k === 'broadcast' || k === 'broadcasting') return 'broadcasted';
  if (k === 'labelled') return 'labeled';
  return k;
}

/** Epoch ms from epoch ms, epoch seconds (< 1e11) or an ISO 8601 string. */
/** Largest time a JS Date can hold (year 275760); beyond it toISOString() throws. */
const MAX_DATE_MS = 8.64e15;

export function toEpochMs(given: unknown): number | undefined {
  const value = typeof given === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(given) ? Number(given) : given;
  let ms: number | undefined;
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) ms = Math.round(value < 1e11 ? value * 1000 : value);
  else if (typeof value === 'string') ms = Date.parse(value);
  return ms !== undefined && Number.isFinite(ms) && Math.abs(ms) <= MAX_DATE_MS ? ms : undefined;
}

/**
 * A path's keys: a JSON pointer (`/a/b/0`, RFC 6901: `~1` is `/`, `~0` is `~`) or a dotted path
 * (`a.b.0`). The built-in spellings are all dotted; pointers come from a field map (adapter-map.ts).
 */
export function pathKeys(path: string): string[] {
  if (!path.startsWith('/')) return path.split('.');
  return path
    .slice(1)
    .split('/')
    .map((k) => k.replace(/~1/g, '/').replace(/~0/g, '~'));
}

const INDEX = /^(0|[1-9]\d{0,8})$/;

/** First present (not undefined/null/'') value among paths like `conversation.id` (see pathKeys). */
// Every list is split once, on first use: the relay runs the adapter for every webhook, and
// looking each path up by name cost more than the rest of the adapter (bench/README.md).
const splitLists = new WeakMap<readonly string[], ReadonlyArray<readonly string[]>>();
function pick(body: Obj, paths: readonly string[]): { path: string; value: unknown } | undefined {
  let split = splitLists.get(paths);
  if (!split) {
    split = paths.map(pathKeys);
    splitLists.set(paths, split);
  }
  for (let i = 0; i < split.length; i++) {
    let v: unknown = body;
    for (const part of split[i]!) {
      // Only a field map's paths index arrays (`/items/0`); no built-in spelling has a number in it.
      if (Array.isArray(v) && INDEX.test(part)) {
        v = v[Number(part)];
        continue;
      }
      // Own properties only: a field map's path may name "__proto__" or "constructor".
      if (!isObject(v) || !Object.hasOwn(v, part)) {
        v = undefined;
        break;
      }
      v = v[part];
    }
    if (v !== undefined && v !== null && v !== '') return { path: paths[i]!, value: v };
  }
  return undefined;
}

function stringOf(hit: { path: string; value: unknown } | undefined): string | undefined {
  if (!hit) return undefined;
  if (typeof hit.value === 'string') return hit.value;
  if (typeof hit.value === 'number' && Number.isFinite(hit.value)) return String(hit.value);
  throw new FieldError(`${hit.path} must be a string`);
}

const str = (body: Obj, paths: readonly string[]) => stringOf(pick(body, paths));

/** The agent may come as an object (`agent.id`), a flat key, or `agent` as a bare string. */
function agentIdOf(body: Obj, paths: readonly string[]): string | undefined {
  return str(body, paths) ?? (typeof body.agent === 'string' && body.agent.trim() ? body.agent : undefined);
}

function time(body: Obj, paths: readonly string[]): number | undefined {
  const hit = pick(body, paths);
  if (!hit) return undefined;
  const ms = toEpochMs(hit.value);
  if (ms === undefined) throw new FieldError(`${hit.path} must be epoch ms, epoch seconds or an ISO 8601 string`);
  return ms;
}

/** Addresses as relay tokens name them (normalizeAgentId), so a webhook reaches the token's agent. */
const email = (value: string | undefined) => (value === undefined ? undefined : normalizeAgentId(value) || undefined);

/**
 * The same event, in any spelling and however often redelivered, gets the same id. Times are
 * cut to whole seconds because a seconds spelling of the same event carries no milliseconds.
 */
function deriveId(parts: Array<string | number | undefined>): string {
  return contentIdOf('d', parts);
}

function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (isObject(v))
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson(v[k])}`)
      .join(',')}}`;
  return JSON.stringify(v) ?? 'null';
}

function schemaError(error: z.core.$ZodError): string {
  const issue = error.issues[0];
  return `${issue?.path.join('.') || 'body'} is invalid (${issue?.code ?? 'invalid'})`;
}

const without = (o: unknown, keys: readonly string[]): Obj =>
  isObject(o) ? Object.fromEntries(Object.entries(o).filter(([k]) => !keys.includes(k))) : {};

const dropUndefined = (o: Obj): Obj => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

/**
 * Writes the fields read into `out` (which holds the fields copied as they came): a defined value
 * replaces a copied one, an undefined one removes it. Same result as `dropUndefined({...out, ...fields})`
 * at a fraction of the cost: that spread was half of the relay's adapter time (bench/README.md).
 */
function assignDefined(out: Obj, fields: Obj): Obj {
  // biome-ignore lint/suspicious/noForIn: `fields` is an object literal built by this adapter (no inherited keys), and this loop is on its hot path.
  // biome-ignore lint/suspicious/useGuardForIn: as above.
  for (const k in fields) {
    const v = fields[k];
    if (v !== undefined) out[k] = v;
    else if (Object.hasOwn(out, k)) delete out[k];
  }
  return out;
}

// Aliases per normalized field. Conversation fields are looked up inside `conversation`
// (or `case`) first, then at the top level.
const EVENT_TYPE = ['event', 'eventType', 'event_type', 'type'];
const EVENT_ID = ['eventId', 'event_id'];
const TIMESTAMP = ['timestamp', 'time', 'eventTime', 'event_time', 'ts'];
const CONVERSATION_ID_TOP = ['conversationId', 'conversation_id', 'caseId', 'case_id'];
const AGENT_ID_TOP = ['agentId', 'agent_id', 'chat_agent_id', 'chatAgentId'];
const AGENT_ALIAS_TOP = ['agentAlias', 'agent_alias', 'chat_agent_alias', 'chatAgentAlias'];
const TRANSFER_FROM = ['fromAgentId', 'from_agent_id', 'from'];
const TRANSFER_TO = ['toAgentId', 'to_agent_id', 'to'];
const CONVERSATION_FIELDS = {
  url: ['url', 'conversation_url', 'case_url'],
  widgetId: ['widgetId', 'widget_id'],
  requesterName: ['requesterName', 'requester_name', 'visitorName', 'visitor_name'],
  requesterEmail: ['requesterEmail', 'requester_email', 'requested_by', 'visitorEmail', 'visitor_email'],
  description: ['description'],
  pageUrl: ['pageUrl', 'page_url', 'entryUrl', 'entry_url'],
  createdAt: ['createdAt', 'created_at', 'created_at_date'],
  closedAt: ['closedAt', 'closed_at'],
} as const;
const NESTS = ['conversation', 'case'] as const;

const convPaths = (aliases: readonly string[]) => [...NESTS.flatMap((n) => aliases.map((a) => `${n}.${a}`)), ...aliases];
const CONVERSATION_ID = [...NESTS.map((n) => `${n}.id`), ...convPaths(CONVERSATION_ID_TOP)];
const AGENT_ID = ['agent.id', 'agent.email', ...AGENT_ID_TOP];
const AGENT_ALIAS = ['agent.alias', 'agent.name', ...AGENT_ALIAS_TOP];
// Built once: the relay runs the adapter for every webhook (it showed up in the profile).
const CONV = Object.fromEntries(Object.entries(CONVERSATION_FIELDS).map(([k, aliases]) => [k, convPaths(aliases)])) as Record<
  keyof typeof CONVERSATION_FIELDS,
  string[]
>;
const FROM_PATHS = [...TRANSFER_FROM.map((k) => `transfer.${k}`), ...TRANSFER_FROM.filter((k) => k !== 'from')];
const TO_PATHS = [...TRANSFER_TO.map((k) => `transfer.${k}`), ...TRANSFER_TO.filter((k) => k !== 'to')];
const TRANSFER_KEYS = [...TRANSFER_FROM, ...TRANSFER_TO];
const LABEL_PATHS = ['labels', ...NESTS.map((n) => `${n}.labels`)];
const SURVEY_PATHS = ['survey', ...NESTS.map((n) => `${n}.survey`)];

// Keys the adapter reads; every other key is copied into `data` untouched.
const READ_TOP = new Set([
  ...EVENT_TYPE.filter((k) => k !== 'type'),
  ...EVENT_ID,
  ...TIMESTAMP,
  ...CONVERSATION_ID_TOP,
  ...AGENT_ID_TOP,
  ...AGENT_ALIAS_TOP,
  ...TRANSFER_FROM.filter((k) => k !== 'from'),
  ...TRANSFER_TO.filter((k) => k !== 'to'),
  ...Object.values(CONVERSATION_FIELDS).flat(),
  ...NESTS,
  'agent',
  'transfer',
  'labels',
  'survey',
]);
const READ_NESTED = new Set(['id', ...CONVERSATION_ID_TOP, ...Object.values(CONVERSATION_FIELDS).flat(), 'labels', 'survey']);

// `type` is kept unless it was the event type: elsewhere it may mean the conversation type.
// A `__proto__` key is not copied: assigned, it would set the copy's prototype. Undefined values
// (only possible from a caller other than JSON.parse) are left out, as JSON would.
// Object.keys, not Object.entries: no [key, value] array per field (a fifth of the adapter's time).
function unreadFields(body: Obj, kindKey: string): Obj {
  const out: Obj = {};
  for (const n of NESTS) {
    const inner = body[n];
    if (!isObject(inner)) continue;
    for (const k of Object.keys(inner)) {
      const v = inner[k];
      if (v !== undefined && !READ_NESTED.has(k) && k !== '__proto__') out[k] = v;
    }
  }
  for (const k of Object.keys(body)) {
    const v = body[k];
    if (v !== undefined && !READ_TOP.has(k) && k !== kindKey && k !== '__proto__') out[k] = v;
  }
  return out;
}

// ConversationData's fields, in the schema's order, by the type each must have when present.
const DATA_STRINGS = [
  'conversationId',
  'url',
  'widgetId',
  'requesterName',
  'requesterEmail',
  'description',
  'pageUrl',
  'agentId',
  'agentAlias',
];
const DATA_NUMBERS = ['createdAt', 'closedAt'];
const DATA_NESTED = ['transfer', 'labels', 'survey'];
const DATA_KEYS = new Set([...DATA_STRINGS, ...DATA_NUMBERS, ...DATA_NESTED]);

/**
 * `ConversationData.parse(data)` for the common event (no transfer, labels or survey), at a tenth
 * of zod's cost: the same checks (strings, finite numbers, conversationId present) and the same
 * output (a new object, the schema's fields first in its order, then the others as they came).
 * undefined when zod must decide: a nested field, or a value of the wrong type (zod words the error).
 */
export function commonConversationData(data: Obj): ConversationData | undefined {
  if (typeof data.conversationId !== 'string') return undefined;
  for (const k of DATA_NESTED) if (k in data) return undefined;
  const out: Obj = {};
  for (const k of DATA_STRINGS) {
    if (!(k in data)) continue;
    const v = data[k];
    if (typeof v !== 'string') return undefined;
    out[k] = v;
  }
  for (const k of DATA_NUMBERS) {
    if (!(k in data)) continue;
    const v = data[k];
    if (typeof v !== 'number' || !Number.isFinite(v)) return undefined;
    out[k] = v;
  }
  // biome-ignore lint/suspicious/noForIn: as zod's looseObject copies its other keys (`for…in`); `data` is the adapter's own object (no inherited keys).
  for (const k in data) if (!DATA_KEYS.has(k) && k !== '__proto__') out[k] = data[k];
  return out as ConversationData;
}

function labelsOf(body: Obj, paths: readonly string[]): Array<Obj & { name: string; value?: string }> | undefined {
  const hit = pick(body, paths);
  if (!hit) return undefined;
  if (!Array.isArray(hit.value)) throw new FieldError(`${hit.path} must be an array`);
  return hit.value.map((l: unknown, i) => {
    if (typeof l === 'string') return { name: l };
    if (!isObject(l) || typeof l.name !== 'string') throw new FieldError(`${hit.path}[${i}].name must be a string`);
    const value = l.value === undefined || l.value === null ? undefined : String(l.value);
    return dropUndefined({ ...l, name: l.name, value }) as Obj & { name: string };
  });
}

function surveyOf(body: Obj, paths: readonly string[]): Obj | undefined {
  const hit = pick(body, paths);
  if (!hit) return undefined;
  if (!isObject(hit.value)) throw new FieldError(`${hit.path} must be an object`);
  const s = hit.value;
  const rawScore = s.score ?? s.rating;
  const score = rawScore === undefined || rawScore === null ? undefined : Number(rawScore);
  if (score !== undefined && !Number.isFinite(score)) throw new FieldError(`${hit.path}.score must be a number`);
  const comment = s.comment ?? s.comments;
  return dropUndefined({ ...s, score, comment: comment === undefined || comment === null ? undefined : String(comment) });
}

function guarded(fn: () => AdaptResult): AdaptResult {
  try {
    return fn();
  } catch (err) {
    if (err instanceof FieldError) return { ok: false, error: err.message, reason: 'bad_field' };
    throw err;
  }
}

/** Where each field of a conversation event is looked for, in order. */
export interface ConversationFieldPaths {
  kind: readonly string[];
  eventId: readonly string[];
  at: readonly string[];
  conversationId: readonly string[];
  agentId: readonly string[];
  agentAlias: readonly string[];
  transferFrom: readonly string[];
  transferTo: readonly string[];
  url: readonly string[];
  widgetId: readonly string[];
  requesterName: readonly string[];
  requesterEmail: readonly string[];
  description: readonly string[];
  pageUrl: readonly string[];
  createdAt: readonly string[];
  closedAt: readonly string[];
  labels: readonly string[];
  survey: readonly string[];
}

export const CONVERSATION_FIELD_PATHS: Readonly<ConversationFieldPaths> = {
  kind: EVENT_TYPE,
  eventId: EVENT_ID,
  at: TIMESTAMP,
  conversationId: CONVERSATION_ID,
  agentId: AGENT_ID,
  agentAlias: AGENT_ALIAS,
  transferFrom: FROM_PATHS,
  transferTo: TO_PATHS,
  ...CONV,
  labels: LABEL_PATHS,
  survey: SURVEY_PATHS,
};

/** Conversation Events API webhook (any tolerated spelling) → one normalized event. */
export function adaptConversationEvent(input: unknown): AdaptResult {
  return adaptConversation(input, CONVERSATION_FIELD_PATHS);
}

function adaptConversation(input: unknown, p: Readonly<ConversationFieldPaths>): AdaptResult {
  return guarded(() => {
    if (!isObject(input)) return { ok: false, error: 'body must be a JSON object', reason: 'not_object' };
    const body = input;
    const kindHit = pick(body, p.kind);
    const kindKey = kindHit?.path ?? 'event';
    const rawKind = stringOf(kindHit);
    if (!rawKind) return { ok: false, error: 'event is missing (the event type, e.g. "conversation_assigned")', reason: 'missing_kind' };
    const kind = normalizeKind(rawKind);
    if (!kind) return { ok: false, error: 'event has no letters in it', reason: 'bad_kind' };

    const conversationId = str(body, p.conversationId);
    const agentId = agentIdOf(body, p.agentId);
    const ts = time(body, p.at);
    // Without a timestamp the whole body tells distinct events apart; redeliveries are identical.
    const id =
      str(body, p.eventId) ?? deriveId([kind, conversationId, email(agentId), ts === undefined ? stableJson(body) : Math.floor(ts / 1000)]);
    const at = new Date(ts ?? Date.now()).toISOString();

    if (!isConversationKind(kind)) {
      const to = email(agentId);
      return { ok: true, event: { id, kind, at, recipients: to ? [to] : [], data: { ...body } } };
    }
    if (!conversationId)
      return {
        ok: false,
        error: `conversation.id is missing (also read as case_id, conversation_id); required for ${kind} events`,
        reason: 'missing_conversation',
      };

    const from = str(body, p.transferFrom);
    const to = str(body, p.transferTo) ?? (kind === 'transferred' ? agentId : undefined);

    let recipients: string[];
    if (kind === 'transferred') {
      if (!to)
        return {
          ok: false,
          error: 'transfer.toAgentId is missing (also read as to_agent_id); required for transferred events',
          reason: 'missing_transfer_target',
        };
      recipients = [...new Set([email(to), email(from)].filter((x): x is string => Boolean(x)))];
    } else if (kind === 'assigned' || kind === 'responded') {
      if (!agentId)
        return {
          ok: false,
          error: `agent.id is missing (also read as agent_id, chat_agent_id); required for ${kind} events`,
          reason: 'missing_agent',
        };
      recipients = [email(agentId)!];
    } else {
      // queued/broadcasted have no agent by nature. A closed/labeled/surveyed event without one
      // (e.g. a missed chat) is accepted too: refusing it would only make SnapEngage retry for hours.
      recipients = agentId ? [email(agentId)!] : [];
    }

    const url = str(body, p.url);
    const data = assignDefined(unreadFields(body, kindKey), {
      conversationId,
      url: url ?? `https://www.snapengage.com/viewcase?c=${encodeURIComponent(conversationId)}`,
      widgetId: str(body, p.widgetId),
      requesterName: str(body, p.requesterName),
      requesterEmail: str(body, p.requesterEmail),
      description: str(body, p.description),
      pageUrl: str(body, p.pageUrl),
      agentId,
      agentAlias: str(body, p.agentAlias),
      createdAt: time(body, p.createdAt),
      closedAt: time(body, p.closedAt),
      transfer: from || to ? dropUndefined({ ...without(body.transfer, TRANSFER_KEYS), fromAgentId: from, toAgentId: to }) : undefined,
      labels: labelsOf(body, p.labels),
      survey: surveyOf(body, p.survey),
    });
    const common = commonConversationData(data);
    if (common) return { ok: true, event: { id, kind, at, recipients, data: common } };
    const checked = ConversationData.safeParse(data);
    if (!checked.success) return { ok: false, error: schemaError(checked.error), reason: 'invalid_field' };
    return { ok: true, event: { id, kind, at, recipients, data: checked.data } };
  });
}

// A Map, not an object literal: looked up with the sender's text, and `"__proto__"` or
// `"constructor"` would find Object.prototype's members there.
/** "online, pause or offline", from the protocol's list. */
const STATUS_CHOICES = `${AGENT_STATUSES.slice(0, -1).join(', ')} or ${AGENT_STATUSES.at(-1)}`;
const STATUS_ALIASES = new Map([
  ['available', 'online'],
  ['paused', 'pause'],
]);
const STATUS_AGENT = ['agentId', 'agent_id', 'agent.id', 'chat_agent_id'];
const STATUS = ['status'];
const SUBSTATUS = ['substatus', 'subStatus', 'sub_status'];
const PREVIOUS_STATUS = ['previousStatus', 'previous_status'];
const STATUS_READ = [
  'agentId',
  'agent_id',
  'agent',
  'chat_agent_id',
  'status',
  'substatus',
  'subStatus',
  'sub_status',
  'previousStatus',
  'previous_status',
  ...EVENT_ID,
  ...TIMESTAMP,
];

/** Where each field of an agent status webhook is looked for, in order. */
export interface AgentStatusFieldPaths {
  agentId: readonly string[];
  status: readonly string[];
  substatus: readonly string[];
  previousStatus: readonly string[];
  eventId: readonly string[];
  at: readonly string[];
}

export const AGENT_STATUS_FIELD_PATHS: Readonly<AgentStatusFieldPaths> = {
  agentId: STATUS_AGENT,
  status: STATUS,
  substatus: SUBSTATUS,
  previousStatus: PREVIOUS_STATUS,
  eventId: EVENT_ID,
  at: TIMESTAMP,
};

/** Agent Status webhook → one `agent_status` event addressed to that agent. */
export function adaptAgentStatusEvent(input: unknown): AdaptResult {
  return adaptStatus(input, AGENT_STATUS_FIELD_PATHS);
}

function adaptStatus(input: unknown, p: Readonly<AgentStatusFieldPaths>): AdaptResult {
  return guarded(() => {
    if (!isObject(input)) return { ok: false, error: 'body must be a JSON object', reason: 'not_object' };
    const body = input;
    const agentId = agentIdOf(body, p.agentId);
    if (!agentId) return { ok: false, error: 'agentId is missing (also read as agent_id)', reason: 'missing_agent' };
    const rawStatus = str(body, p.status);
    if (!rawStatus) return { ok: false, error: 'status is missing', reason: 'missing_status' };
    const lower = rawStatus.trim().toLowerCase();
    const status = STATUS_ALIASES.get(lower) ?? lower;
    if (!isAgentStatus(status))
      return { ok: false, error: `status must be ${STATUS_CHOICES} (got "${rawStatus.slice(0, 32)}")`, reason: 'unknown_status' };
    const substatus = str(body, p.substatus);
    const previous = str(body, p.previousStatus)?.trim().toLowerCase();
    const previousStatus = previous ? (STATUS_ALIASES.get(previous) ?? previous) : undefined;
    const ts = time(body, p.at);
    const id =
      str(body, p.eventId) ??
      deriveId([AGENT_STATUS_KIND, email(agentId), status, substatus, ts === undefined ? stableJson(body) : Math.floor(ts / 1000)]);
    const at = new Date(ts ?? Date.now()).toISOString();

    const rest = Object.fromEntries(Object.entries(body).filter(([k, v]) => v !== undefined && !STATUS_READ.includes(k)));
    const checked = AgentStatusData.safeParse(assignDefined(rest, { agentId, status, substatus, previousStatus }));
    if (!checked.success) return { ok: false, error: schemaError(checked.error), reason: 'invalid_field' };
    return { ok: true, event: { id, kind: AGENT_STATUS_KIND, at, recipients: [email(agentId)!], data: checked.data } };
  });
}

/** Where to look first, per field, in bodies of an unfamiliar shape (see adapter-map.ts). */
export interface FieldMap {
  conversationEvents?: Partial<Record<keyof ConversationFieldPaths, readonly string[]>>;
  agentStatus?: Partial<Record<keyof AgentStatusFieldPaths, readonly string[]>>;
}

export interface WebhookAdapter {
  conversation(input: unknown): AdaptResult;
  agentStatus(input: unknown): AdaptResult;
}

/**
 * The adapter with a field map: each mapped field's paths are tried before the built-in
 * spellings, and what they find is checked exactly like a value found by a built-in one.
 */
export function createWebhookAdapter(map: FieldMap = {}): WebhookAdapter {
  const merge = <P extends object>(builtin: Readonly<P>, mapped: Partial<Record<keyof P, readonly string[]>> = {}): P => {
    const out = { ...builtin } as Record<keyof P, readonly string[]>;
    for (const key of Object.keys(mapped) as Array<keyof P>) {
      const first = mapped[key];
      if (first?.length) out[key] = [...first, ...out[key]];
    }
    return out as P;
  };
  const conversation = merge(CONVERSATION_FIELD_PATHS, map.conversationEvents);
  const status = merge(AGENT_STATUS_FIELD_PATHS, map.agentStatus);
  return {
    conversation: (input) => adaptConversation(input, conversation),
    agentStatus: (input) => adaptStatus(input, status),
  };
}
