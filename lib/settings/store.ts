import { t } from '../i18n';
import { storageItem } from '../storage/item';
import { relayWebSocketUrl } from '../relay/url';
import { SNAPENGAGE_API_BASE } from '../snapengage/host';
import { policyCopy, readPolicy, type Policy } from './managed';
import { withPolicy } from './policy';
import { parseSettings, type SettingsResult } from './schema';

type Raw = Record<string, unknown>;

/** Raw record as saved; may be incomplete (setup not finished) — read through `loadSettings`. */
export const settingsItem = storageItem<Raw | undefined>('local', 'settings', (raw) =>
  raw && typeof raw === 'object' ? (raw as Raw) : undefined,
);

/**
 * The settings in effect: what the agent saved, under the team's policy (./policy.ts) as last read
 * (policyCopy): status changes, the relay and the badge never wait for storage.managed (./managed.ts).
 */
export async function loadSettings(): Promise<SettingsResult> {
  const [raw, policy] = await Promise.all([settingsItem.get(), policyCopy.get()]);
  if (!raw) return { ok: false, errors: { form: t('notSetUp') } };
  return explainDroppedTokens(parseSettings(underPolicy(raw, policy)), {}, raw);
}

/**
 * The settings the agent's input would put in effect, checked: `input` holds a token only where the
 * agent typed one; a saved token is added only while its URL stays the same (a new API base or relay
 * URL asks for its token again: no saved token ever goes to a new host); the team's policy is laid
 * over it, and relay mode keeps no API token. The options page checks with this before it tests a
 * relay, so the token it tests with is the one that would be saved.
 */
export function settingsFrom(input: Raw, previous: Raw | undefined, policy: Policy): SettingsResult {
  return explainDroppedTokens(parseSettings(underPolicy(withSavedTokens(input, previous), policy)), input, previous);
}

/** A token missing because its URL changed (typed, or by the policy): say so, rather than only "required". */
function explainDroppedTokens(result: SettingsResult, input: Raw, previous: Raw | undefined): SettingsResult {
  if (result.ok) return result;
  const errors = { ...result.errors };
  if (errors.apiToken && !input.apiToken && previous?.apiToken) errors.apiToken = t('enterTokenForUrl');
  if (errors.relayToken && !input.relayToken && previous?.relayToken) errors.relayToken = t('enterRelayTokenForUrl');
  return { ok: false, errors };
}

/**
 * Saves what the agent set (see settingsFrom); the policy's own values are not written (see ownPart),
 * so it reads the policy itself: saving is done from a page the agent is looking at (./managed.ts's readPolicy).
 */
export async function saveSettings(input: Raw): Promise<SettingsResult> {
  const [previous, policy] = await Promise.all([settingsItem.get(), readPolicy()]);
  const result = settingsFrom(input, previous, policy.values);
  if (result.ok) await settingsItem.set(ownPart(result.settings, previous, policy.values));
  return result;
}

const sameUrl = (a: unknown, b: unknown, norm: (u: string) => string) => {
  try {
    return typeof a === 'string' && typeof b === 'string' && norm(a) === norm(b);
  } catch {
    return false;
  }
};
const origin = (u: string) => new URL(u).origin;

/**
 * The settings in effect (./policy.ts), where a token is kept only beside the URL it was saved with:
 * when the policy names another API host or relay, that token is dropped (and asked for again),
 * never sent there.
 */
function underPolicy(saved: Raw, policy: Policy): Raw {
  const merged = withPolicy(saved, policy)!;
  const apiBase = (r: Raw) => r.apiBaseUrl || SNAPENGAGE_API_BASE;
  if (policy.apiBaseUrl && !sameUrl(apiBase(saved), policy.apiBaseUrl, origin)) delete merged.apiToken;
  if (policy.relayUrl && saved.relayUrl && !sameUrl(saved.relayUrl, policy.relayUrl, relayWebSocketUrl)) delete merged.relayToken;
  return merged;
}

/** The saved token that goes with the URL in `input`: none once that URL differs from the one it was saved with. */
export function keptToken(key: 'apiToken' | 'relayToken', input: Raw, previous: Raw | undefined): string | undefined {
  const token = previous?.[key];
  if (typeof token !== 'string' || !token) return undefined;
  const apiBase = (r: Raw | undefined) => r?.apiBaseUrl || SNAPENGAGE_API_BASE;
  const same =
    key === 'apiToken'
      ? sameUrl(apiBase(previous), apiBase(input), origin)
      : sameUrl(previous?.relayUrl, input.relayUrl, relayWebSocketUrl);
  return same ? token : undefined;
}

/** The input, with each token the agent left blank taken from what was saved (keptToken). A token typed now goes with the URL typed now. */
function withSavedTokens(input: Raw, previous: Raw | undefined): Raw {
  const next = { ...input };
  for (const key of ['apiToken', 'relayToken'] as const) {
    if (next[key]) continue;
    const kept = keptToken(key, input, previous);
    if (kept) next[key] = kept;
    else delete next[key];
  }
  return next;
}

/**
 * What the agent's record keeps of the settings in effect: for each key the policy sets, what the
 * agent had before (their own choice, back in effect when the policy goes), not the policy's value;
 * except the API base or relay URL beside a token, which says where that token may go.
 */
function ownPart(settings: object, previous: Raw | undefined, policy: Policy): Raw {
  const own: Raw = { ...settings };
  const keepPrevious = (record: Raw, before: Raw | undefined, key: string) => {
    if (before && key in before) record[key] = before[key];
    else delete record[key];
  };
  for (const key of Object.keys(policy) as (keyof Policy)[]) {
    if (key === 'notify') {
      const mine = { ...(own.notify as Raw) };
      for (const kind of Object.keys(policy.notify as Raw)) keepPrevious(mine, previous?.notify as Raw | undefined, kind);
      own.notify = mine;
    } else if (!((key === 'apiBaseUrl' && own.apiToken) || (key === 'relayUrl' && own.relayToken))) {
      keepPrevious(own, previous, key);
    }
  }
  return own;
}
