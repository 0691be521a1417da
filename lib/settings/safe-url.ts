// Where a saved token may go: protocol's rule (TLS, or the clear only to this computer; no
// user:password, query or fragment), for the two URLs the agent types.
import { isSafeUrl } from '@switchboard/protocol/safe-url';

/** The relay as the agent may paste it: wss:// or https:// anywhere; ws:// or http:// only to this computer. */
export const isSafeRelayInput = (raw: string): boolean => /^(wss?|https?):\/\/[^\s/]/i.test(raw) && isSafeUrl(raw);

/** The SnapEngage API base: https:// anywhere; http:// only to this computer. */
export const isSafeApiBase = (raw: string): boolean => /^https?:\/\/[^\s/]/i.test(raw) && isSafeUrl(raw);
