import type { IncomingMessage } from 'node:http';

export interface RecordedRequest {
  id: number;
  /** ISO time the request arrived */
  time: string;
  method: string;
  path: string;
  query: Record<string, string>;
  /** lower-case names, as received; Authorization kept whole so tests can check the token */
  headers: Record<string, string>;
  /** parsed JSON, raw text if it did not parse, null if empty */
  body: unknown;
  /** the status answered; 'hang' when deliberately never answered; 'pending' until answered */
  status: number | 'hang' | 'pending';
}

// Bounded so a long-running demo sandbox does not grow without limit.
const MAX_ENTRIES = 2000;

export class RequestLog {
  private entries: RecordedRequest[] = [];
  private nextId = 1;

  record(req: IncomingMessage, url: URL, body: unknown): RecordedRequest {
    const entry: RecordedRequest = {
      id: this.nextId++,
      time: new Date().toISOString(),
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: flattenHeaders(req.headers),
      body,
      status: 'pending',
    };
    this.entries.push(entry);
    if (this.entries.length > MAX_ENTRIES) this.entries.splice(0, this.entries.length - MAX_ENTRIES);
    return entry;
  }

  /** Oldest first; copies, so callers cannot change the log. */
  all(): RecordedRequest[] {
    return structuredClone(this.entries);
  }

  clear(): void {
    this.entries = [];
  }
}

function flattenHeaders(headers: IncomingMessage['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/** For anything shown to people: enough to recognise a token, not enough to use it. */
export function maskSecret(value: string): string {
  return value.length <= 4 ? '…' : `${value.slice(0, 4)}…`;
}
