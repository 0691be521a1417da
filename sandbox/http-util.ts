// The sandbox's HTTP bits of its own. JSON answers and body reading are the relay's
// (switchboard-relay/http), so the two servers answer alike; what is here is what the relay has no
// use for: CORS for the extension's pages, the request log's page, and the log's view of a body.
import type { ServerResponse } from 'node:http';

// The extension calls from a chrome-extension:// origin; Retry-After must be exposed or the
// browser hides it from the caller. Set on every answer (sandbox/server.ts).
export const CORS_HEADERS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'GET, POST, DELETE, OPTIONS',
  'Access-Control-Allow-Headers': 'Authorization, Authentication, Content-Type',
  'Access-Control-Expose-Headers': 'Retry-After',
  'Access-Control-Max-Age': '600',
} as const;

export const MAX_BODY_BYTES = 1_000_000;

export class BodyTooLargeError extends Error {}

export function sendText(res: ServerResponse, status: number, contentType: string, text: string): void {
  res.writeHead(status, {
    'Content-Type': contentType,
    'Content-Length': String(Buffer.byteLength(text)),
    'Cache-Control': 'no-store',
  });
  res.end(text);
}
export function isJsonContentType(header: string | undefined): boolean {
  if (!header) return false;
  const type = header.split(';')[0]?.trim().toLowerCase();
  return type === 'application/json' || (type?.startsWith('application/') === true && type.endsWith('+json'));
}

export type ParsedJson = { ok: true; value: unknown } | { ok: false; error: string };

export function parseJson(text: string): ParsedJson {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}

/** Records what came in: JSON when it parses, the raw text otherwise, null when empty. */
export function bodyForLog(text: string): unknown {
  if (text === '') return null;
  const parsed = parseJson(text);
  return parsed.ok ? parsed.value : text;
}
