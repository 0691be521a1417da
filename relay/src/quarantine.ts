// The quarantine's two small rules: an entry's id (a redelivery is the same entry), and the
// preview an operator sees, which shows a body's shape and never its values (visitor data).
import { contentId } from './ids';

export const QUARANTINE_ID = /^q-[0-9a-f]{32}$/;

/** `q-` + 32 hex of the endpoint and the body's exact bytes. */
export function quarantineId(endpoint: string, body: Uint8Array): string {
  return contentId('q', Buffer.concat([Buffer.from(`${endpoint}\n`), body]));
}

const MAX_DEPTH = 8;
const MAX_KEYS = 50;
const MAX_KEY_LENGTH = 64;

/**
 * Keys and the type of every value (`"string"`, `"number"`, `"boolean"`, `"null"`), nested up to
 * 8 levels; an array shows its first element's shape and how many more there are. A key is shown
 * as sent unless it looks like data rather than a name (it contains an `@`), or is cut when long.
 */
function shapeOf(value: unknown, depth = 0): unknown {
  if (value === null) return 'null';
  if (Array.isArray(value)) {
    if (depth >= MAX_DEPTH) return `array(${value.length})`;
    if (value.length === 0) return [];
    return value.length === 1 ? [shapeOf(value[0], depth + 1)] : [shapeOf(value[0], depth + 1), `…${value.length - 1} more`];
  }
  if (typeof value === 'object') {
    const keys = Object.keys(value);
    if (depth >= MAX_DEPTH) return `object(${keys.length} keys)`;
    // fromEntries, not assignment: a "__proto__" key must stay a key, not become the prototype.
    const entries: [string, unknown][] = keys
      .slice(0, MAX_KEYS)
      .map((k, i) => [shownKey(k, i), shapeOf((value as Record<string, unknown>)[k], depth + 1)]);
    if (keys.length > MAX_KEYS) entries.push(['…', `${keys.length - MAX_KEYS} more keys`]);
    return Object.fromEntries(entries);
  }
  return typeof value;
}

function shownKey(key: string, i: number): string {
  if (key.includes('@')) return `<key ${i + 1}: redacted>`;
  return key.length > MAX_KEY_LENGTH ? `${key.slice(0, MAX_KEY_LENGTH)}…` : key;
}

/** The preview of a stored body (its text is valid JSON: it was parsed before it was stored). */
export function previewOf(body: string): unknown {
  try {
    return shapeOf(JSON.parse(body));
  } catch {
    return 'unreadable';
  }
}
