// Which browser origins may use the relay: the websocket (socket-hub.ts) and the CORS answer of
// GET /api/events (routes.ts) follow the same list, RELAY_ALLOWED_ORIGINS.

/** The extension's own pages, in Chromium and in Firefox, when no list is configured. */
const DEFAULT_ORIGINS = ['chrome-extension://*', 'moz-extension://*'];

/**
 * Whether `origin` (the request's Origin header; absent for a client that is not a browser page) is
 * allowed: an entry ending in `*` is a prefix; `''` or `*` in a configured list also admits clients
 * that send no Origin, which the default list admits too.
 */
export function originAllowed(origin: string | undefined, allowed: readonly string[]): boolean {
  if (allowed.length === 0 && origin === undefined) return true;
  if (origin === undefined) return allowed.includes('') || allowed.includes('*');
  return (allowed.length ? allowed : DEFAULT_ORIGINS).some((a) => (a.endsWith('*') ? origin.startsWith(a.slice(0, -1)) : origin === a));
}
