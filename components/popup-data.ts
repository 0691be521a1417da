// The popup's stored data: the one place that reads it. One storage call, started by
// public/popup-prefetch.js while the modules still load (a classic script runs as soon as it is
// parsed; module scripts wait for the whole page), so the first render has data; then kept live.
// The first paint reads the records with cheap structural checks: zod and the schemas are a third
// of the popup's JS, and loading, compiling and building them sat on the path to an interactive
// popup. ./popup-check (the same zod validation the rest of the extension uses) loads right after
// the first paint and takes over; what the background stores has been through it already, so the
// two agree on anything it wrote.
import { useEffect, useState } from 'preact/hooks';
import type { AutomationState } from '@/lib/automation/state';
import type { RelayState } from '@/lib/relay/state';
import type { Settings, SettingsResult } from '@/lib/settings/schema';
import type { StatusState } from '@/lib/status/state';
import { AGENT_STATUSES, SETTABLE_STATUSES } from '@switchboard/protocol/status';
import { browser } from '@/lib/ext/native';
import { t } from '@/lib/i18n';
import { EMPTY_STATUS } from '@/lib/status/view';
import { RELAY_PHASES } from '@/lib/relay/phase';
import { POLICY_KEY, policyOf, withPolicy } from '@/lib/settings/policy';

/** The storage.local keys the popup shows (public/popup-prefetch.js reads the same; a test checks). `policy`: the team's, copied there by the worker. */
export const POPUP_KEYS = ['settings', 'status', 'relay', 'automation', POLICY_KEY];

export type Raw = Record<string, unknown>;

const read = (): Promise<Raw> => browser.storage.local.get(POPUP_KEYS);

/** The records for the first render: the read public/popup-prefetch.js started, or one now where it did not run. */
export function readPopupRecords(): Promise<Raw> {
  const prefetched = (globalThis as { __switchboardPrefetch?: { read: Promise<Raw> } }).__switchboardPrefetch;
  return (prefetched?.read ?? read()).catch((): Raw => ({}));
}

/**
 * The records `readPopupRecords` returned, kept live. A change between that early read and the
 * listener below would be missed, so they are read again once listening.
 */
export function usePopupRecords(initial: Raw): Raw {
  const [values, setValues] = useState<Raw>(initial);
  useEffect(() => {
    let live = true;
    const listener = (changes: Record<string, { newValue?: unknown }>, area: string) => {
      if (area !== 'local' || !POPUP_KEYS.some((k) => k in changes)) return;
      setValues((prev) => {
        const next = { ...prev };
        for (const k of POPUP_KEYS) if (k in changes) next[k] = changes[k]?.newValue;
        return next;
      });
    };
    browser.storage.onChanged.addListener(listener);
    void read().then((raw) => live && setValues(raw));
    return () => {
      live = false;
      browser.storage.onChanged.removeListener(listener);
    };
  }, []);
  return values;
}

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
const REQUIRED = { direct: ['orgId', 'apiToken', 'agentId'], relay: ['agentId', 'relayUrl', 'relayToken'] } as const;
type RequiredField = (typeof REQUIRED)[keyof typeof REQUIRED][number];

/** A status record (confirmed, intent, failure or history entry) with a status we can name. */
function change<T>(v: unknown): T | null {
  const r = record(v);
  return r && oneOf(r.status, AGENT_STATUSES) ? (r as T) : null;
}

/** The first paint's reading: shapes checked where the popup relies on them, values not validated. */
export const firstLook: PopupParser = (raw) => {
  const s = withPolicy(record(raw.settings), policyOf(raw[POLICY_KEY]));
  const missing = s && REQUIRED[s.mode === 'relay' ? 'relay' : 'direct'].find((k) => !text(s[k]));
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
  const required = why === t('errRequired') && [...REQUIRED.direct, ...REQUIRED.relay].includes(field as RequiredField);
  return t('setupIncomplete', [required ? `${t(field as RequiredField)}: ${why}` : why]);
}
