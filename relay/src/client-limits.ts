// Who is calling, and how much an unauthenticated caller may hold. The relay keys its per-address
// limits on "the client key": the TCP peer, or — only when that peer is a proxy the operator
// trusts (RELAY_TRUST_PROXY) — the address the proxy says it forwarded for; IPv6 grouped by /64,
// because one host is routinely given a whole /64 and can pick any address in it.
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import { BlockList, isIP, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { HttpError } from './http';
import type { RejectReason } from './metrics';
import type { RateLimiter } from './rate-limit';

/** `::ffff:1.2.3.4` (an IPv4 peer on a dual-stack socket) → `1.2.3.4`; a zone (`%eth0`) dropped. */
function normalizeAddress(address: string): string {
  const a = address.trim().replace(/%.*$/, '');
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(a);
  return mapped ? mapped[1]! : a.toLowerCase();
}

/** A trust-proxy entry: an IPv4/IPv6 address or CIDR. Returns why not, or undefined when valid. */
export function trustEntryError(entry: string): string | undefined {
  const [address = '', prefix, extra] = entry.split('/');
  const family = isIP(normalizeAddress(address));
  if (!family || extra !== undefined) return `${entry} is not an IP address or CIDR`;
  if (prefix === undefined) return undefined;
  const max = family === 4 ? 32 : 128;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= max ? undefined : `${entry} has a prefix outside 0..${max}`;
}

/** The proxies whose X-Forwarded-For is believed (RELAY_TRUST_PROXY). Entries must pass trustEntryError. */
export class TrustedProxies {
  private readonly list = new BlockList();
  readonly size: number;

  constructor(entries: readonly string[]) {
    this.size = entries.length;
    for (const entry of entries) {
      const [raw = '', prefix] = entry.split('/');
      const address = normalizeAddress(raw);
      const type = isIP(address) === 4 ? 'ipv4' : 'ipv6';
      if (prefix === undefined) this.list.addAddress(address, type);
      else this.list.addSubnet(address, Number(prefix), type);
    }
  }

  has(address: string): boolean {
    if (this.size === 0) return false;
    const a = normalizeAddress(address);
    const family = isIP(a);
    return family !== 0 && this.list.check(a, family === 4 ? 'ipv4' : 'ipv6');
  }
}

/** An X-Forwarded-For hop without a port (`1.2.3.4:5`, `[::1]:5`), or the text as is. */
function hopAddress(hop: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(hop);
  if (bracketed) return bracketed[1]!;
  const v4port = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(hop);
  return v4port ? v4port[1]! : hop;
}

/**
 * The caller's address: the peer's, unless the peer is a trusted proxy; then the rightmost
 * X-Forwarded-For hop that is not itself a trusted proxy (hops further left are whatever the
 * client chose to send). A hop that is not an address means a proxy wrote something we cannot
 * read: the peer is used, so a client cannot pick its own key that way.
 */
export function clientAddress(peer: string | undefined, forwardedFor: string | string[] | undefined, trusted: TrustedProxies): string {
  const p = normalizeAddress(peer ?? '');
  if (!p || forwardedFor === undefined || !trusted.has(p)) return p || 'unknown';
  const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor)
    .split(',')
    .map((h) => normalizeAddress(hopAddress(h.trim())))
    .filter(Boolean);
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i]!;
    if (!isIP(hop)) return p;
    if (!trusted.has(hop)) return hop;
  }
  // Every hop is one of our proxies (a health check from inside): the first one is the caller.
  return hops[0] ?? p;
}

/** Expands an IPv6 address to its eight groups (`2001:db8::1` → 2001, db8, 0, …, 1). */
function ipv6Groups(address: string): string[] {
  let a = address;
  const v4 = /(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(a);
  if (v4) {
    const [b0, b1, b2, b3] = v4.slice(1).map(Number) as [number, number, number, number];
    a = `${a.slice(0, v4.index)}${((b0 << 8) | b1).toString(16)}:${((b2 << 8) | b3).toString(16)}`;
  }
  const [head = '', tail] = a.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const fill = tail === undefined ? [] : new Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...fill, ...right].map((g) => Number.parseInt(g, 16).toString(16));
}

/** The key an address is limited under: IPv4 as is, IPv6 by its /64 (`2001:db8:0:1::/64`). */
export function addressKey(address: string): string {
  const a = normalizeAddress(address);
  if (isIP(a) !== 6) return a || 'unknown';
  return `${ipv6Groups(a).slice(0, 4).join(':')}::/64`;
}

/** The client key of a request or an upgrade (both are IncomingMessage): one rule for both. */
export function clientKey(req: IncomingMessage, trusted: TrustedProxies): string {
  return addressKey(clientAddress(req.socket.remoteAddress, req.headers['x-forwarded-for'], trusted));
}

export const FAILED_ATTEMPTS_MESSAGE = 'too many failed attempts from this address, retry later';

/** The failed-attempts limit of the HTTP routes: a bucket per client key (client-limits.ts). */
export interface FailedAttempts {
  authFailures?: RateLimiter;
  clientKey?: (req: IncomingMessage) => string;
}

/**
 * A wrong or missing credential: takes one failed attempt for the request's client key and says
 * how to answer, `status` (401, or 403 for a credential of the wrong kind) or 429 + Retry-After
 * once the key has none left. Every route that checks a credential answers through this.
 */
export function refusedCredential(
  limits: FailedAttempts,
  req: IncomingMessage,
  message: string,
  opts: { status?: number; reason?: RejectReason } = {},
): HttpError {
  const left = limits.authFailures?.take(limits.clientKey?.(req) ?? 'unknown');
  if (left && !left.ok) return new HttpError(429, FAILED_ATTEMPTS_MESSAGE, opts.reason, { 'retry-after': String(left.retryAfterSeconds) });
  return new HttpError(opts.status ?? 401, message, opts.reason);
}

/**
 * Answers a socket that is not handed to the HTTP server or to ws (a refused connection or upgrade)
 * and destroys it once the answer is written: ended and left, a half-open socket stays open as
 * long as the peer likes (the HTTP server allows half-open sockets).
 */
export function refuseSocket(socket: Duplex, status: number, message: string, headers: Record<string, string> = {}): void {
  socket.on('error', () => undefined);
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = JSON.stringify({ error: message });
  const lines = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`,
    'connection: close',
    'content-type: application/json; charset=utf-8',
    `content-length: ${Buffer.byteLength(body)}`,
    'cache-control: no-store',
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
  ];
  socket.write(`${lines.join('\r\n')}\r\n\r\n${body}`, () => socket.destroy());
}

export interface ConnectionLimits {
  /** Sockets that are not (yet) authenticated websockets: HTTP connections, and websockets before hello. */
  maxUnauthenticated: number;
  /** The same, per client key. */
  maxUnauthenticatedPerAddress: number;
  /** Websockets accepted and waiting for (or checking) their hello. */
  maxPendingHellos: number;
}

export type RefusedReason = 'unauthenticated_total' | 'per_address' | 'pending_hellos' | 'failed_attempts';

export interface Refusal {
  status: number;
  message: string;
  reason: RefusedReason;
}

interface Tracked {
  /** The client key this socket is counted under; none yet for a trusted proxy's connection. */
  key?: string;
  /** Counted in the unauthenticated totals (until it authenticates or closes). */
  counted: boolean;
  pendingHello: boolean;
}

/**
 * Counts the unauthenticated sockets — total, per client key, and websockets waiting for hello —
 * and refuses a new one beyond a cap, before anything is parsed or allocated for it. A socket
 * stops counting when it authenticates (a websocket after a good hello) or closes.
 *
 * A trusted proxy's connections carry many clients, so they are not counted per address when they
 * open; a websocket through the proxy is counted under its forwarded client key at the upgrade.
 */
export class ConnectionGuard {
  private total = 0;
  private pending = 0;
  private readonly perKey = new Map<string, number>();
  private readonly tracked = new WeakMap<Duplex, Tracked>();

  constructor(
    private readonly limits: ConnectionLimits,
    private readonly trusted: TrustedProxies,
  ) {}

  get unauthenticated(): number {
    return this.total;
  }

  get pendingHellos(): number {
    return this.pending;
  }

  /** For server.on('connection'): returns the refusal it answered the socket with, if any. */
  admit(socket: Socket): Refusal | undefined {
    // Every socket has an error path from its first moment; the HTTP server drops its own
    // listener when it hands a socket over for an upgrade.
    socket.on('error', () => undefined);
    const peer = socket.remoteAddress ?? '';
    const key = this.trusted.has(peer) ? undefined : addressKey(peer);
    const refusal =
      this.total >= this.limits.maxUnauthenticated
        ? ({ status: 503, message: 'too many connections, retry later', reason: 'unauthenticated_total' } as const)
        : key !== undefined && (this.perKey.get(key) ?? 0) >= this.limits.maxUnauthenticatedPerAddress
          ? ({ status: 429, message: 'too many connections from this address, retry later', reason: 'per_address' } as const)
          : undefined;
    if (refusal) {
      refuseSocket(socket, refusal.status, refusal.message);
      return refusal;
    }
    const t: Tracked = { key, counted: true, pendingHello: false };
    this.total++;
    if (key !== undefined) this.perKey.set(key, (this.perKey.get(key) ?? 0) + 1);
    this.tracked.set(socket, t);
    socket.once('close', () => this.release(t));
    return undefined;
  }

  /** At a websocket upgrade (before the handshake): counts it as waiting for hello, or refuses it. */
  beginHello(socket: Duplex, key: string): Refusal | undefined {
    let t = this.tracked.get(socket);
    if (!t) {
      // Not seen by admit() (a server without the connection hook): track it from here.
      t = { counted: false, pendingHello: false };
      this.tracked.set(socket, t);
      socket.once('close', () => this.release(t!));
    }
    if (this.pending >= this.limits.maxPendingHellos)
      return { status: 503, message: 'too many connections waiting to authenticate, retry later', reason: 'pending_hellos' };
    if (t.key === undefined) {
      if ((this.perKey.get(key) ?? 0) >= this.limits.maxUnauthenticatedPerAddress)
        return { status: 429, message: 'too many connections from this address, retry later', reason: 'per_address' };
      t.key = key;
      this.perKey.set(key, (this.perKey.get(key) ?? 0) + 1);
    }
    t.pendingHello = true;
    this.pending++;
    return undefined;
  }

  /** The hello was answered: the socket no longer waits; authenticated, it no longer counts at all. */
  endHello(socket: Duplex, authenticated: boolean): void {
    const t = this.tracked.get(socket);
    if (!t) return;
    if (t.pendingHello) {
      t.pendingHello = false;
      this.pending--;
    }
    if (authenticated) this.release(t);
  }

  /** An HTTP connection now carrying an authenticated stream (the board's, capped on its own): it no longer counts. */
  authenticated(socket: Duplex): void {
    const t = this.tracked.get(socket);
    if (t) this.release(t);
  }

  private release(t: Tracked): void {
    if (t.pendingHello) {
      t.pendingHello = false;
      this.pending--;
    }
    if (t.key !== undefined) {
      const n = (this.perKey.get(t.key) ?? 1) - 1;
      if (n <= 0) this.perKey.delete(t.key);
      else this.perKey.set(t.key, n);
      t.key = undefined;
    }
    if (t.counted) {
      t.counted = false;
      this.total--;
    }
  }
}
