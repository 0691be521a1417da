// The agent's settings, as stored in browser.storage.local and edited on the options page (and, for
// the keys a team's policy sets, in storage.managed: ./managed.ts). Every read goes through
// `parseSettings`, so a hand-edited or old record never reaches logic unchecked.
// Two modes: `direct`, the extension holds the org id and API token and calls SnapEngage itself;
// `relay`, the API token stays on the relay and the extension holds only its relay token and email.
import * as z from 'zod/mini';
import { StatusRequestOverride } from '@switchboard/protocol/agent-status-request';
import { t, type MessageKey } from '../i18n';
import { SNAPENGAGE_API_BASE } from '../snapengage/host';
import { isSafeApiBase, isSafeRelayInput } from './safe-url';

export const DEFAULT_SUBSTATUSES = ['Lunch', 'Break', 'Meeting', 'On a call'];

// Messages are keys into _locales, translated by parseSettings.
const httpUrl = z.string().check(z.refine(isSafeApiBase, 'errApiBaseUrl' satisfies MessageKey));
const wsUrl = z.string().check(z.refine(isSafeRelayInput, 'errRelayUrl' satisfies MessageKey));

const substatus = z.string().check(
  z.refine((v) => v.trim().length > 0, 'errReasonEmpty' satisfies MessageKey),
  z.maxLength(60, 'errReasonLong' satisfies MessageKey),
);

const NotifyKinds = z.object({
  assigned: z._default(z.boolean(), true),
  closed: z._default(z.boolean(), true),
  transferred: z._default(z.boolean(), true),
});

const clock = z.string().check(z.regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'errClock' satisfies MessageKey));

const AutoPauseSettings = z.object({
  enabled: z._default(z.boolean(), false),
  minutes: z._default(
    z.int().check(z.minimum(1, 'errMinutesMin' satisfies MessageKey), z.maximum(240, 'errMinutesMax' satisfies MessageKey)),
    5,
  ),
  substatus: z._default(substatus, 'Away'),
});

const WorkingHours = z.object({
  enabled: z._default(z.boolean(), false),
  /** 0 = Sunday … 6 = Saturday */
  days: z._default(z.array(z.int().check(z.minimum(0), z.maximum(6))).check(z.maxLength(7)), [1, 2, 3, 4, 5]),
  start: z._default(clock, '09:00'),
  end: z._default(clock, '17:00'),
});

/** The "your day" part of the settings; the options page edits it as one block. */
export const DaySettings = z.object({
  /** Pause reason used while a phone call is in progress (phone sync). */
  callSubstatus: z._default(substatus, 'On a call'),
  autoPause: z._default(AutoPauseSettings, { enabled: false, minutes: 5, substatus: 'Away' }),
  workingHours: z._default(WorkingHours, { enabled: false, days: [1, 2, 3, 4, 5], start: '09:00', end: '17:00' }),
  /** Hold chat-closed notifications while paused; summed up when back online. */
  quietWhilePaused: z._default(z.boolean(), false),
  /** Let the system play its notification sound. */
  sound: z._default(z.boolean(), true),
});
export type DaySettings = z.infer<typeof DaySettings>;

export const MODES = ['direct', 'relay'] as const;
export type Mode = (typeof MODES)[number];

const orgId = z.string().check(z.regex(/^\d{6,30}$/, 'errOrgId' satisfies MessageKey));
/** At most this many pause reasons (a stored list is never unbounded). */
export const MAX_SUBSTATUSES = 20;

/** What both modes share. */
const common = {
  version: z._default(z.literal(1), 1),
  // A plain pattern, not z.email(): SnapEngage validates the address; we only catch typos.
  agentId: z.string().check(z.regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, 'errAgentId' satisfies MessageKey)),
  apiBaseUrl: z._default(httpUrl, SNAPENGAGE_API_BASE),
  substatuses: z._default(
    z.array(substatus).check(
      z.maxLength(MAX_SUBSTATUSES, 'errReasonsMax' satisfies MessageKey),
      z.refine((list) => new Set(list.map((s) => s.trim().toLowerCase())).size === list.length, 'errReasonsUnique' satisfies MessageKey),
    ),
    DEFAULT_SUBSTATUSES,
  ),
  quickPauseSubstatus: z.optional(z.string()),
  notify: z._default(NotifyKinds, { assigned: true, closed: true, transferred: true }),
  /** The Agent Status request, where SnapEngage's differs from the inferred one (direct mode; the relay has its own). */
  statusRequest: z.optional(StatusRequestOverride),
  /** Set by a team's policy: the relay applies phone calls itself (relay mode); the options say so instead of offering the call reason. */
  phoneCallSync: z.optional(z.boolean()),
  ...DaySettings.shape,
};

const quickPauseInList = z.refine<{ quickPauseSubstatus?: string; substatuses: string[] }>(
  (s) => !s.quickPauseSubstatus || s.substatuses.includes(s.quickPauseSubstatus),
  {
    message: 'errQuickPause' satisfies MessageKey,
    path: ['quickPauseSubstatus'],
  },
);

/** The extension calls SnapEngage itself with the account's API token; a relay, if any, only brings events. */
const DirectSettings = z
  .object({
    ...common,
    mode: z._default(z.literal('direct'), 'direct'),
    orgId,
    apiToken: z.string().check(z.minLength(8, 'errApiToken' satisfies MessageKey)),
    relayUrl: z.optional(z.union([z.literal(''), wsUrl])),
    relayToken: z.optional(z.string()),
  })
  .check(
    quickPauseInList,
    z.refine((s) => !s.relayUrl || Boolean(s.relayToken), { message: 'errRelayToken' satisfies MessageKey, path: ['relayToken'] }),
  );

/** The API token stays on the relay: status changes go to the relay, which sets this agent's status and no one else's. */
const RelaySettings = z
  .object({
    ...common,
    mode: z.literal('relay'),
    // No apiToken and no orgId: the account is the relay's. Left out of the schema, so an old or
    // hand-edited record's are dropped when read and gone on the next save.
    relayUrl: wsUrl,
    relayToken: z.string().check(z.minLength(1, 'errRelayToken' satisfies MessageKey)),
  })
  .check(quickPauseInList);

/** The checks of single fields, for a team's policy (./managed.ts): each key is checked as here. */
export const FIELD_CHECKS = {
  orgId,
  apiBaseUrl: httpUrl,
  relayUrl: wsUrl,
  substatus,
  substatuses: common.substatuses,
  statusRequest: StatusRequestOverride,
};

type DirectSettings = z.infer<typeof DirectSettings>;
type RelaySettings = z.infer<typeof RelaySettings>;
export type Settings = DirectSettings | RelaySettings;

export type SettingsResult = { ok: true; settings: Settings } | { ok: false; errors: Record<string, string> };

/** Validates settings; errors are keyed by field so the options page can show each beside its input. */
export function parseSettings(input: unknown): SettingsResult {
  const record = migrate(input);
  const schema = (record as { mode?: unknown } | undefined)?.mode === 'relay' ? RelaySettings : DirectSettings;
  const result = schema.safeParse(record);
  if (result.success) return { ok: true, settings: result.data };
  const errors: Record<string, string> = {};
  for (const issue of result.error.issues) {
    const [first = 'form', second] = issue.path.map(String);
    // The override's parts are separate inputs: each gets its own message (protocol's are English).
    if (first === 'statusRequest' && second) {
      errors[`statusRequest.${second}`] ??= t(second === 'path' ? 'errStatusPath' : second === 'auth' ? 'errStatusAuth' : 'errFieldName');
      continue;
    }
    const key = first;
    // A message that is not one of our keys (zod's own) comes through as it is.
    errors[key] ??= t(issue.code === 'invalid_type' && issue.input === undefined ? 'errRequired' : (issue.message as MessageKey));
  }
  return { ok: false, errors };
}

/** Older stored shapes are upgraded here, one step per version. */
function migrate(input: unknown): unknown {
  if (!input || typeof input !== 'object') return input;
  const record = { ...(input as Record<string, unknown>) };
  // v0 (unversioned drafts) called the agent's email `agentEmail`.
  if (record.version === undefined && typeof record.agentEmail === 'string' && record.agentId === undefined) {
    record.agentId = record.agentEmail;
    delete record.agentEmail;
  }
  return record;
}

/** Shows enough of a token to recognise it, never the whole. */
export function maskToken(token: string): string {
  return token.length <= 4 ? '••••' : `${token.slice(0, 4)}${'•'.repeat(8)}`;
}
