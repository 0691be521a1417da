// A team's policy: what IT pushes (Chrome/Edge: 3rdparty.extensions.<id> in a policy file, the
// registry or a profile; Firefox: 3rdparty.Extensions.<id> in policies.json; docs/rollout.md),
// which the browser hands to storage.managed. Each key is checked as the options page checks it;
// a bad one is left out and named on the options page, never a crash. public/managed_schema.json
// declares the same keys to Chrome.
import { browser } from '../ext/native';
import { t, type MessageKey } from '../i18n';
import { storageItem } from '../storage/item';
import { POLICY_FIELDS } from './schema';
import { POLICY_KEY } from './policy';

type PolicyKey = keyof typeof POLICY_FIELDS;
export type Policy = Partial<Record<PolicyKey, unknown>>;

export interface ReadPolicy {
  /** The keys the policy sets, each valid. */
  values: Policy;
  /** `key: why` for each key left out. */
  problems: string[];
}

const EMPTY: ReadPolicy = { values: {}, problems: [] };

/** Checks what storage.managed held; unknown keys and bad values are left out, each named. */
export function checkPolicy(raw: unknown): ReadPolicy {
  if (!raw || typeof raw !== 'object') return EMPTY;
  const values: Policy = {};
  const problems: string[] = [];
  for (const [key, value] of Object.entries(raw)) {
    const field = POLICY_FIELDS[key as PolicyKey];
    if (!field) {
      problems.push(`${key}: ${t('policyUnknownKey')}`);
      continue;
    }
    const parsed = field.safeParse(value);
    if (parsed.success) values[key as PolicyKey] = parsed.data;
    // Messages are keys into _locales (or zod's own words, shown as they are).
    else problems.push(`${key}: ${t((parsed.error.issues[0]?.message ?? 'invalid') as MessageKey)}`);
  }
  return { values, problems };
}

/** The policy now. No policy (or a browser without managed storage, or Firefox without one) is an empty one. */
export async function readPolicy(): Promise<ReadPolicy> {
  try {
    return checkPolicy(await browser.storage.managed.get());
  } catch {
    return EMPTY;
  }
}

/** The checked policy, copied to storage.local for the popup (which reads one storage area, at once). */
export const policyCopy = storageItem<Policy>('local', POLICY_KEY, (raw) => (raw && typeof raw === 'object' ? (raw as Policy) : {}));
