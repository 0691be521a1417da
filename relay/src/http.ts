// Small HTTP helpers shared by the relay's endpoints (SnapEngage webhooks, phone call events, reads,
// the admin API) and, through the package's `switchboard-relay/http` export, by the sandbox.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RejectReason } from './metrics';

/** A request refused with a status and a message for the caller; `reason` is what the metrics count it as. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly reason?: RejectReason,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(text);
}

/** Answers `{"error": message}`; a body we refused to read must not stay on a keep-alive connection, so that one is closed after. */
export function sendHttpError(req: IncomingMessage, res: ServerResponse, err: HttpError): void {
  if (res.headersSent) return;
  sendJson(res, err.status, { error: err.message }, req.complete ? err.headers : { ...err.headers, connection: 'close' });
}

/** Reads the body up to `limit` bytes; beyond it rejects with `tooLarge()` and stops buffering. */
export function readBody(req: IncomingMessage, limit: number, tooLarge: () => Error): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        // Stop buffering; the rest of the body is discarded as the connection closes.
        req.off('data', onData);
        chunks.length = 0;
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    };
    // Taken off once the body is in: a keep-alive connection keeps its last request until the next
    // one comes, and these would keep the body with it (for seconds, on a sender's idle connection).
    const done = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    const onEnd = () => {
      done();
      // A webhook's body is one chunk: used as it came, not copied.
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
      chunks.length = 0;
    };
    const onError = (err: Error) => {
      done();
      reject(err);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

const isJsonType = (header: string | undefined) => (header ?? '').split(';')[0]!.trim().toLowerCase() === 'application/json';

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A JSON request body: the content type, then the bytes up to `maxBytes`, then strict UTF-8 (a
 * lenient decode would store U+FFFD in place of what was sent), then JSON. Each refusal is an
 * HttpError (415, 413, 400) with its reason.
 */
export async function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<{ body: unknown; bytes: Buffer; text: string }> {
  if (!isJsonType(req.headers['content-type'])) throw new HttpError(415, 'content-type must be application/json', 'unsupported_media_type');
  const bytes = await readBody(req, maxBytes, () => new HttpError(413, `body is larger than ${maxBytes} bytes`, 'too_large'));
  try {
    const text = UTF8.decode(bytes);
    return { body: JSON.parse(text), bytes, text };
  } catch {
    throw new HttpError(400, 'body is not valid JSON', 'bad_json');
  }
}

/** The integer query parameter `name` (≥ 0), or `fallback` when absent. */
export function intParam(url: URL, name: string, fallback: number): number {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === '') return fallback;
  if (!/^\d{1,15}$/.test(raw)) throw new HttpError(400, `${name} must be a non-negative integer`);
  return Number(raw);
}
