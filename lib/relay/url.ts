// The relay's two addresses, from the one URL the agent pastes in the options (ws:// or wss://,
// http:// or https://, with or without the /ws path): its websocket, and its HTTP base for
// /api/events and the host permission. Every caller derives them here.

/** `ws(s)://host[:port]/ws` (or the path the agent gave, when it is not just `/`). */
export function relayWebSocketUrl(relayUrl: string): string {
  const url = new URL(relayUrl);
  if (url.protocol === 'http:') url.protocol = 'ws:';
  if (url.protocol === 'https:') url.protocol = 'wss:';
  if (url.pathname === '/' || url.pathname === '') url.pathname = '/ws';
  return url.toString();
}

/** `http(s)://host[:port]`, without the /ws path, query or trailing slash. */
export function relayHttpBase(relayUrl: string): string {
  const url = new URL(relayUrl);
  url.protocol = url.protocol === 'wss:' || url.protocol === 'https:' ? 'https:' : 'http:';
  url.pathname = url.pathname.replace(/\/ws\/?$/, '/');
  url.search = '';
  return url.toString().replace(/\/$/, '');
}
