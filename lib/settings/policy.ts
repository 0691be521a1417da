// A team's policy (storage.managed, read by ./managed.ts) laid over what the agent saved: what the
// popup shows, in its first paint too (so no zod here, and few bytes). The policy's values win.
// ./store.ts adds, for what is sent, that a token is kept only beside the URL it was saved with.

type Raw = Record<string, unknown>;

/** The storage.local key the worker copies the checked policy to, for the popup and the settings in effect (./managed.ts). */
export const POLICY_KEY = 'policy';

/**
 * The worker's copy of the checked policy, as read back (./managed.ts writes it): an object, or none.
 * Its values were checked when copied; the settings schema checks them again with the rest.
 */
export const policyOf = (raw: unknown): Raw | undefined =>
  raw && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Raw) : undefined;

/** The policy's values over the agent's (each notification kind on its own); relay mode keeps no API token. */
export function withPolicy(saved: Raw | undefined, policy: Raw | undefined): Raw | undefined {
  const merged: Raw | undefined = policy ? { ...saved, ...policy } : saved;
  if (merged && policy?.notify) merged.notify = { ...(saved?.notify as Raw | undefined), ...(policy.notify as Raw) };
  return merged?.mode === 'relay' ? withoutApiToken(merged) : merged;
}

/** Relay mode keeps no API token: switching to it deletes the one saved. */
export function withoutApiToken(settings: Raw): Raw {
  const { apiToken: _, ...rest } = settings;
  return rest;
}
