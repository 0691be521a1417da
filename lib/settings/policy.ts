// A team's policy (storage.managed, read by ./managed.ts) laid over what the agent saved: the one
// merge every reader uses, the popup's first paint too (so no zod here). The policy's values win.
import { relayWebSocketUrl } from '../relay/url';
import { SNAPENGAGE_API_BASE } from '../snapengage/host';

type Raw = Record<string, unknown>;

/** The storage.local key the worker copies the checked policy to, for the popup (./managed.ts). */
export const POLICY_KEY = 'policy';

const same = (a: unknown, b: unknown, norm: (u: string) => string) => {
  try {
    return typeof a === 'string' && typeof b === 'string' && norm(a) === norm(b);
  } catch {
    return a === b;
  }
};
const origin = (u: string) => new URL(u).origin;

/**
 * The settings in effect. A token is kept only beside the URL it was saved with: when the policy
 * names another API host or relay, that token is dropped (and asked for again), never sent there.
 * Relay mode keeps no API token at all.
 */
export function withPolicy(saved: Raw | undefined, policy: Raw | undefined): Raw | undefined {
  if (!policy || !Object.keys(policy).length) return saved?.mode === 'relay' && 'apiToken' in saved ? withoutApiToken(saved) : saved;
  const merged: Raw = { ...saved, ...policy };
  if (policy.notify) merged.notify = { ...(saved?.notify as Raw | undefined), ...(policy.notify as Raw) };
  if (policy.apiBaseUrl && !same(saved?.apiBaseUrl ?? SNAPENGAGE_API_BASE, policy.apiBaseUrl, origin)) delete merged.apiToken;
  if (policy.relayUrl && !same(saved?.relayUrl ?? policy.relayUrl, policy.relayUrl, relayWebSocketUrl)) delete merged.relayToken;
  return merged.mode === 'relay' ? withoutApiToken(merged) : merged;
}

/** Relay mode keeps no API token: switching to it deletes the one saved. */
export function withoutApiToken(settings: Raw): Raw {
  const { apiToken: _, ...rest } = settings;
  return rest;
}
