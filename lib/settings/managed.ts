// A team's policy: what IT pushes (Chrome/Edge: 3rdparty.extensions.<id> in a policy file, the
// registry or a profile; Firefox: 3rdparty.Extensions.<id> in policies.json; docs/rollout.md),
// which the browser hands to storage.managed. Each key is checked as the options page checks it;
// a bad one is left out and named on the options page, never a crash. public/managed_schema.json
// declares the same keys to Chrome.
import { browser } from '../ext/native';
import { t, type MessageKey } from '../i18n';
import { storageItem } from '../storage/item';
import * as z from 'zod/mini';
import { FIELD_CHECKS, MODES } from './schema';
import { POLICY_KEY, policyOf } from './policy';

/**
 * The keys a team's policy may set (public/managed_schema.json declares the same; a test checks),
 * each checked as the options page checks it. Here, not in ./schema.ts, which the popup loads.
 */
export const POLICY_FIELDS = {
  mode: z.enum(MODES),
  orgId: FIELD_CHECKS.orgId,
  apiBaseUrl: FIELD_CHECKS.apiBaseUrl,
  relayUrl: FIELD_CHECKS.relayUrl,
  substatuses: FIELD_CHECKS.substatuses,
  quickPauseSubstatus: FIELD_CHECKS.substatus,
  callSubstatus: FIELD_CHECKS.substatus,
  notify: z.partial(z.object({ assigned: z.boolean(), closed: z.boolean(), transferred: z.boolean() })),
  statusRequest: FIELD_CHECKS.statusRequest,
  phoneCallSync: z.boolean(),
};

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

/**
 * The policy now. No policy (or a browser without managed storage, or Firefox without one) is an
 * empty one. It may take minutes: Chromium answers storage.managed only once its deferred start-up
 * work has run, seconds after the first tab has loaded, up to 3 minutes after start when none does
 * (a browser started with no window). So only pages an agent is looking at wait for it (their tab
 * loading is what ends that wait); the worker works from the copy (policyCopy, refreshPolicyCopy).
 */
export async function readPolicy(): Promise<ReadPolicy> {
  try {
    return checkPolicy(await browser.storage.managed.get());
  } catch {
    return EMPTY;
  }
}

/**
 * The checked policy as last read, copied to storage.local: for the popup (which reads one storage
 * area, at once) and for the settings in effect in the worker (./store.ts's loadSettings), which
 * never wait for storage.managed. It outlives the browser: the last known policy applies from the
 * first moment after a restart, until storage.managed answers.
 */
export const policyCopy = storageItem<Policy>('local', POLICY_KEY, (raw) => (policyOf(raw) as Policy | undefined) ?? {});

/**
 * Reads the policy (readPolicy, however long it takes) into its copy; true when the copy changed,
 * and everything that depends on the settings must follow. The worker calls it when it starts and
 * when storage.managed changes.
 */
export async function refreshPolicyCopy(): Promise<boolean> {
  const { values } = await readPolicy();
  const copy = await policyCopy.get();
  if (JSON.stringify(copy) === JSON.stringify(values)) return false;
  await policyCopy.set(values);
  return true;
}
