// The agent's settings, as stored in browser.storage.local and edited on the options page.
// Every read goes through `parseSettings`, so a hand-edited or old record never reaches logic unchecked.
import * as z from 'zod/mini';

export const SNAPENGAGE_API_BASE = 'https://www.snapengage.com';
export const DEFAULT_SUBSTATUSES = ['Lunch', 'Break', 'Meeting', 'On a call'];

const httpUrl = (what: string) =>
  z.string().check(
    z.refine((v) => /^https?:\/\/[^\s/]+/i.test(v) && URL.canParse(v), `${what} must be a URL starting with http:// or https://`),
  );
const wsUrl = z.string().check(
  z.refine((v) => /^(wss?|https?):\/\/[^\s/]+/i.test(v) && URL.canParse(v), 'Relay URL must start with ws://, wss://, http:// or https://'),
);

const substatus = z.string().check(
  z.refine((v) => v.trim().length > 0, 'A pause reason cannot be empty'),
  z.maxLength(60, 'A pause reason can be at most 60 characters'),
);

export const NotifyKinds = z.object({
  assigned: z._default(z.boolean(), true),
  closed: z._default(z.boolean(), true),
  transferred: z._default(z.boolean(), true),
});

const clock = z.string().check(z.regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'Use a 24-hour time like 09:00'));

export const AutoPauseSettings = z.object({
  enabled: z._default(z.boolean(), false),
  minutes: z._default(z.int().check(z.minimum(1, 'At least 1 minute'), z.maximum(240, 'At most 240 minutes')), 5),
  substatus: z._default(substatus, 'Away'),
});

export const WorkingHours = z.object({
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
    orgId: z.string().check(z.regex(/^\d{6,30}$/, 'Org id is the long number shown in SnapEngage under My Account → API')),
    apiToken: z.string().check(z.minLength(8, 'The API token looks too short — copy it again from My Account → API')),
    // A plain pattern, not z.email(): SnapEngage validates the address; we only catch typos.
    agentId: z.string().check(z.regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, 'Agent id is your SnapEngage login email')),
    apiBaseUrl: z._default(httpUrl('API base URL'), SNAPENGAGE_API_BASE),
    substatuses: z._default(
      z.array(substatus).check(
        z.maxLength(20, 'At most 20 pause reasons'),
        z.refine((list) => new Set(list.map((s) => s.trim().toLowerCase())).size === list.length, 'Pause reasons must be different from each other'),
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
    z.refine(
      (s) => !s.quickPauseSubstatus || s.substatuses.includes(s.quickPauseSubstatus),
      { message: 'The quick-pause reason must be one of your pause reasons', path: ['quickPauseSubstatus'] },
    ),
    z.refine((s) => !s.relayUrl || !!s.relayToken, { message: 'Paste the relay token your IT gave you', path: ['relayToken'] }),
  );
export type Settings = z.infer<typeof Settings>;
export type SettingsInput = z.input<typeof Settings>;

export type SettingsResult = { ok: true; settings: Settings } | { ok: false; errors: Record<string, string> };

/** Validates settings; errors are keyed by field so the options page can show each beside its input. */
export function parseSettings(input: unknown): SettingsResult {
  const result = Settings.safeParse(migrate(input));
  if (result.success) return { ok: true, settings: result.data };
  const errors: Record<string, string> = {};
  for (const issue of result.error.issues) {
    const key = String(issue.path[0] ?? 'form');
    errors[key] ??= issue.code === 'invalid_type' && issue.input === undefined ? 'Required' : issue.message;
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
