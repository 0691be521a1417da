// The agent's settings, as stored in browser.storage.local and edited on the options page.
// Every read goes through `parseSettings`, so a hand-edited or old record never reaches logic unchecked.
import * as z from 'zod/mini';
import { t, type MessageKey } from '../i18n';

export const SNAPENGAGE_API_BASE = 'https://www.snapengage.com';
export const DEFAULT_SUBSTATUSES = ['Lunch', 'Break', 'Meeting', 'On a call'];

// Messages are keys into _locales, translated by parseSettings.
const httpUrl = z.string().check(z.refine((v) => /^https?:\/\/[^\s/]+/i.test(v) && URL.canParse(v), 'errApiBaseUrl' satisfies MessageKey));
const wsUrl = z
  .string()
  .check(z.refine((v) => /^(wss?|https?):\/\/[^\s/]+/i.test(v) && URL.canParse(v), 'errRelayUrl' satisfies MessageKey));

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
  days: z._default(z.array(z.int().check(z.minimum(0), z.maximum(6))), [1, 2, 3, 4, 5]),
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

export const Settings = z
  .object({
    version: z._default(z.literal(1), 1),
    orgId: z.string().check(z.regex(/^\d{6,30}$/, 'errOrgId' satisfies MessageKey)),
    apiToken: z.string().check(z.minLength(8, 'errApiToken' satisfies MessageKey)),
    // A plain pattern, not z.email(): SnapEngage validates the address; we only catch typos.
    agentId: z.string().check(z.regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, 'errAgentId' satisfies MessageKey)),
    apiBaseUrl: z._default(httpUrl, SNAPENGAGE_API_BASE),
    substatuses: z._default(
      z.array(substatus).check(
        z.maxLength(20, 'errReasonsMax' satisfies MessageKey),
        z.refine((list) => new Set(list.map((s) => s.trim().toLowerCase())).size === list.length, 'errReasonsUnique' satisfies MessageKey),
      ),
      DEFAULT_SUBSTATUSES,
    ),
    quickPauseSubstatus: z.optional(z.string()),
    relayUrl: z.optional(z.union([z.literal(''), wsUrl])),
    relayToken: z.optional(z.string()),
    notify: z._default(NotifyKinds, { assigned: true, closed: true, transferred: true }),
    ...DaySettings.shape,
  })
  .check(
    z.refine((s) => !s.quickPauseSubstatus || s.substatuses.includes(s.quickPauseSubstatus), {
      message: 'errQuickPause' satisfies MessageKey,
      path: ['quickPauseSubstatus'],
    }),
    z.refine((s) => !s.relayUrl || Boolean(s.relayToken), { message: 'errRelayToken' satisfies MessageKey, path: ['relayToken'] }),
  );
export type Settings = z.infer<typeof Settings>;

export type SettingsResult = { ok: true; settings: Settings } | { ok: false; errors: Record<string, string> };

/** Validates settings; errors are keyed by field so the options page can show each beside its input. */
export function parseSettings(input: unknown): SettingsResult {
  const result = Settings.safeParse(migrate(input));
  if (result.success) return { ok: true, settings: result.data };
  const errors: Record<string, string> = {};
  for (const issue of result.error.issues) {
    const key = String(issue.path[0] ?? 'form');
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
