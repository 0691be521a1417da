// Where a credential may go: over TLS, or in the clear only to this machine (the demo, tests), and
// never in a URL that carries user:password, a query or a fragment. Setup codes hold their relay to
// it (./setup-code.ts), the relay its public URL, and the extension every URL it sends a token to
// (the API base, the relay). Apart from setup-code.ts so that a reader of the rule does not load the
// setup code's schema (the extension's popup counts its bytes).

const LOOPBACK_HOST = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

/** `https://` or `wss://` anywhere; `http://` or `ws://` only to this machine. */
export function isSafeUrl(raw: string): boolean {
  if (!URL.canParse(raw)) return false;
  const url = new URL(raw);
  if (url.username || url.password || url.search || url.hash) return false;
  const tls = url.protocol === 'https:' || url.protocol === 'wss:';
  return tls || ((url.protocol === 'http:' || url.protocol === 'ws:') && LOOPBACK_HOST.test(url.hostname));
}

/** A relay's websocket URL: `wss://` anywhere; `ws://` only to this machine (the demo, tests). */
export const isSafeRelayUrl = (raw: string): boolean => /^wss?:/i.test(raw) && isSafeUrl(raw);
