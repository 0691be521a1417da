// Where a saved token may go. A token is a credential: it goes only over TLS, except to this computer
// (the sandbox, the demo, tests), and never to a URL that carries user:password, a query or a fragment.
// One rule for the relay and the API base, the setup code's (isSafeRelayUrl).
import { isSafeRelayUrl } from '@switchboard/protocol/setup-code';
import { relayWebSocketUrl } from '../relay/url';

/** The relay as the agent may paste it: wss:// or https:// anywhere; ws:// or http:// only to this computer. */
export const isSafeRelayInput = (raw: string): boolean =>
  /^(wss?|https?):\/\/[^\s/]/i.test(raw) && URL.canParse(raw) && isSafeRelayUrl(relayWebSocketUrl(raw));

/** The SnapEngage API base: https:// anywhere; http:// only to this computer. */
export const isSafeApiBase = (raw: string): boolean =>
  /^https?:\/\/[^\s/]/i.test(raw) && URL.canParse(raw) && isSafeRelayUrl(raw.replace(/^http/i, 'ws'));
