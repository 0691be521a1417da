// The popup's stored data, read in one storage call. Its first paint reads the records with cheap
// structural checks: zod and the schemas are a third of the popup's JS, and loading, compiling and
// building them sat on the path to an interactive popup. ./popup-check (the same zod validation
// the rest of the extension uses) loads right after the first paint and takes over; what the
// background stores has been through it already, so the two agree on anything it wrote.
import type { AutomationState } from '@/lib/automation/state';
import type { RelayState } from '@/lib/relay/state';
import type { Settings, SettingsResult } from '@/lib/settings/schema';
import type { StatusState } from '@/lib/status/state';
import { AGENT_STATUSES, SETTABLE_STATUSES } from '@switchboard/protocol/status';
import { t } from '@/lib/i18n';
import { EMPTY_STATUS } from '@/lib/status/view';
import { RELAY_PHASES } from '@/lib/relay/phase';

/** The storage.local keys the popup shows (public/popup-prefetch.js reads the same). */
export const POPUP_KEYS = ['settings', 'status', 'relay', 'automation'];

export type Raw = Record<string, unknown>;

interface PopupData {
  /** undefined: not set up */
  settings: SettingsResult | undefined;
  status: StatusState;
  relay: RelayState;
  automation: AutomationState;
}

export type PopupParser = (raw: Raw) => PopupData;

const record = (v: unknown): Raw | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Raw) : undefined);
const text = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);
const oneOf = <T extends string>(v: unknown, values: readonly T[]): v is T => values.includes(v as T);
const REQUIRED = ['orgId', 'apiToken', 'agentId'] as const;

/** A status record (confirmed, intent, failure or history entry) with a status we can name. */
function change<T>(v: unknown): T | null {
  const r = record(v);
  return r && oneOf(r.status, AGENT_STATUSES) ? (r as T) : null;
}

/** The first paint's reading: shapes checked where the popup relies on them, values not validated. */
export const firstLook: PopupParser = (raw) => {
  const s = record(raw.settings);
  const missing = s && REQUIRED.find((k) => !text(s[k]));
  const settings: SettingsResult | undefined = !s
    ? undefined
    : missing
      ? { ok: false, errors: { [missing]: t('errRequired') } }
      : {
          ok: true,
          settings: {
            ...s,
            substatuses: Array.isArray(s.substatuses) ? s.substatuses.filter((x): x is string => typeof x === 'string') : [],
            quickPauseSubstatus: text(s.quickPauseSubstatus),
          } as Settings,
        };

  const st = record(raw.status);
  const status: StatusState = st
    ? {
        confirmed: change(st.confirmed),
        intent: change(st.intent),
        failure: change(st.failure),
        history: Array.isArray(st.history) ? st.history.filter((h) => change(h) && typeof (h as Raw).since === 'number') : [],
      }
    : EMPTY_STATUS;

  const r = record(raw.relay) ?? {};
  const relay = {
    lastSeq: 0,
    notified: [],
    attempts: 0,
    ...r,
    phase: oneOf(r.phase, RELAY_PHASES) ? r.phase : 'off',
    message: text(r.message),
    openChats: Array.isArray(r.openChats) ? r.openChats.filter((c) => typeof record(c)?.conversationId === 'string') : [],
  } as RelayState;

  const a = record(raw.automation) ?? {};
  const next = record(a.nextStatus);
  const automation = {
    calls: [],
    pausedBy: null,
    held: [],
    nextStatus: next && oneOf(next.status, SETTABLE_STATUSES) ? next : undefined,
  } as AutomationState;

  return { settings, status, relay, automation };
};

/** What the popup says about settings that do not validate: the first problem; a bare "Required" gets its field's label. */
export function setupProblem(errors: Record<string, string>): string {
  const [field = '', why = ''] = Object.entries(errors)[0] ?? [];
  const required = why === t('errRequired') && (REQUIRED as readonly string[]).includes(field);
  return t('setupIncomplete', [required ? `${t(field as (typeof REQUIRED)[number])}: ${why}` : why]);
}
