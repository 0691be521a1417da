// The page's requests to the relay that served it: same origin, the supervisor token in the
// Authorization header (never in a URL, never a cookie), every answer checked against the
// protocol's schema. Failures become a RelayError whose kind the page turns into a sentence.
import { REPORTS_API_PATH, Report, type ReportQuery, type ReportSection } from '@switchboard/protocol/board';

type RelayErrorKind =
  /** 401: no, unknown, expired or revoked token. */
  | 'unauthorized'
  /** 403: a valid token that may not read the board (an agent's). */
  | 'forbidden'
  /** No answer at all: network down, relay stopped, DNS. */
  | 'unreachable'
  /** Any other non-2xx answer: `status` and the relay's own `message`. */
  | 'failed'
  /** A 2xx answer that does not parse as the protocol says. */
  | 'invalid';

export class RelayError extends Error {
  constructor(
    readonly kind: RelayErrorKind,
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'RelayError';
  }
}

/** The relay answers errors as `{"error": "<message>"}`; anything else is shown by its status line. */
export function relayMessage(body: string, statusText: string): string {
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed && typeof parsed === 'object' && 'error' in parsed && typeof parsed.error === 'string') return parsed.error;
  } catch {
    // Not JSON (a proxy's HTML error page): the status line says enough.
  }
  return statusText || 'error';
}

/** fetch() with the token; resolves only with a 2xx response, else throws a RelayError. */
export async function relayFetch(path: string, token: string, init: { signal?: AbortSignal; accept?: string } = {}): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(path, {
      headers: { Authorization: `Bearer ${token}`, Accept: init.accept ?? 'application/json' },
      credentials: 'omit',
      cache: 'no-store',
      signal: init.signal,
    });
  } catch (err) {
    if (init.signal?.aborted) throw err;
    throw new RelayError('unreachable', err instanceof Error ? err.message : String(err));
  }
  if (response.ok) return response;
  const message = relayMessage(await response.text().catch(() => ''), response.statusText);
  if (response.status === 401) throw new RelayError('unauthorized', message, 401);
  if (response.status === 403) throw new RelayError('forbidden', message, 403);
  throw new RelayError('failed', message, response.status);
}

/** The search part of a report request. */
export function reportSearch(query: ReportQuery): string {
  const params = new URLSearchParams({ from: query.from, to: query.to, tz: query.tz });
  if (query.format) params.set('format', query.format);
  if (query.section) params.set('section', query.section);
  return `${REPORTS_API_PATH}?${params}`;
}

export async function fetchReport(query: ReportQuery, token: string, signal?: AbortSignal): Promise<Report> {
  const response = await relayFetch(reportSearch(query), token, { signal });
  let body: unknown;
  try {
    body = await response.json();
  } catch (err) {
    if (signal?.aborted) throw err;
    throw new RelayError('invalid', 'the report is not JSON');
  }
  const parsed = Report.safeParse(body);
  if (!parsed.success) throw new RelayError('invalid', parsed.error.message);
  return parsed.data;
}

/** The file name the relay's Content-Disposition gives, else one made from the query. */
export function csvFileName(disposition: string | null, query: ReportQuery, section: ReportSection): string {
  const quoted = disposition && /filename="([^"]+)"/i.exec(disposition);
  if (quoted) return quoted[1]!;
  const bare = disposition && /filename=([^;\s]+)/i.exec(disposition);
  if (bare) return bare[1]!;
  return `switchboard-${section}-${query.from}-${query.to}.csv`;
}

/**
 * One table of the report as a CSV download. The token must go in a header, so a plain link cannot
 * do it: the file is fetched, then handed to the browser through an object URL and <a download>.
 */
export async function downloadCsv(query: ReportQuery, section: ReportSection, token: string): Promise<void> {
  const response = await relayFetch(reportSearch({ ...query, format: 'csv', section }), token, { accept: 'text/csv' });
  const blob = await response.blob();
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = csvFileName(response.headers.get('Content-Disposition'), query, section);
  document.body.append(link);
  link.click();
  link.remove();
  // Browsers read the blob after click() returns (Firefox fails a download whose URL is already revoked):
  // it is released later, as cleanup, not as a wait for anything.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
