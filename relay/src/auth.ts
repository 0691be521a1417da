// Two kinds of credentials: SnapEngage's webhook token (a shared secret it sends on every POST, in
// the header docs/snapengage-contract.md describes) and relay tokens (HMAC-signed, one per agent,
// carried by the extension; a supervisor's, for the team's board, is its own kind).
import { createHmac, hash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { normalizeAgentId } from '@switchboard/protocol/agent-id';

// One-shot: about half the cost of createHash().update().digest(), once per webhook.
const sha256 = (s: string) => hash('sha256', s, 'buffer');

// The configured secret's digest, computed once: checking a webhook costs one hash, not two.
let expectedDigest: { secret: string; digest: Buffer } | undefined;
const digestOfExpected = (secret: string) => {
  if (expectedDigest?.secret !== secret) expectedDigest = { secret, digest: sha256(secret) };
  return expectedDigest.digest;
};

/** Compares digests so neither the content nor the length of the secret leaks through timing. */
export function safeEqual(a: string, b: string): boolean {
  return timingSafeEqual(sha256(a), sha256(b));
}

/** `Authorization: <token>`, `Authorization: Bearer <token>`, or `Authentication:` likewise. */
export function presentedWebhookToken(headers: IncomingHttpHeaders): string | undefined {
  const raw = headers.authorization ?? headers.authentication;
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (!value) return undefined;
  return value.replace(/^\s*bearer\s+/i, '').trim() || undefined;
}

/**
 * Webhook tokens up to this many bytes are compared zero-padded to it: constant time, as comparing
 * digests is, without a SHA-256 per webhook (1.5–2 µs, and several in a busy process).
 */
const PADDED_BYTES = 256;
const presented = Buffer.alloc(PADDED_BYTES);
let expectedPadded: { secret: string; padded: Buffer; bytes: number } | undefined;
const paddedExpected = (secret: string) => {
  if (expectedPadded?.secret !== secret) {
    const bytes = Buffer.byteLength(secret);
    const padded = Buffer.alloc(PADDED_BYTES);
    padded.write(secret);
    expectedPadded = { secret, padded, bytes };
  }
  return expectedPadded;
};

export function checkWebhookToken(headers: IncomingHttpHeaders, expected: string): boolean {
  const got = presentedWebhookToken(headers);
  if (got === undefined) return false;
  const want = paddedExpected(expected);
  if (want.bytes > PADDED_BYTES) return timingSafeEqual(sha256(got), digestOfExpected(expected));
  // The time depends on the presented token's length only: whatever is sent is cut to the fixed
  // size, all of which is compared; the lengths are compared last (so "tok" ≠ "tok\0").
  presented.fill(0);
  presented.write(got);
  const sameBytes = timingSafeEqual(presented, want.padded);
  const sameLength = Buffer.byteLength(got) === want.bytes;
  return sameBytes && sameLength;
}

/** The bearer token of a request, for relay-token endpoints. */
export function bearerToken(headers: IncomingHttpHeaders): string | undefined {
  const m = /^\s*bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? '');
  return m?.[1];
}

export interface RelayTokenClaims {
  /** Agent's (or, in a supervisor token, the supervisor's) email, normalised (normalizeAgentId). */
  sub: string;
  /** Token id, for revocation. */
  jti: string;
  /** Issued at, epoch seconds. */
  iat: number;
  /** Expiry, epoch seconds; absent = does not expire. */
  exp?: number;
}

const PREFIX = 'sb1';
// Supervisor tokens (issue 18: the team lead's board and reports) have the same claims as an agent's
// and their own prefix, which the HMAC covers: no agent entry point can take one for an agent's
// token (nor a relay from before them, which refuses the prefix), and the board refuses agents' tokens.
const SUPERVISOR_PREFIX = 'sbs1';
const signWith = (prefix: string, secret: string, payload: string) =>
  createHmac('sha256', secret).update(`${prefix}.${payload}`).digest('base64url');

/**
 * A token that leaks (a laptop sold, a config pasted in a ticket) stops working on its own: the
 * operator who wants one that never does has to say so.
 */
export const DEFAULT_TOKEN_TTL_DAYS = 180;

function issueWith(
  prefix: string,
  secret: string,
  email: string,
  opts: { ttlDays?: number | 'never'; now?: Date },
): { token: string; claims: RelayTokenClaims } {
  const sub = normalizeAgentId(email);
  if (!sub || sub === '*' || /\s/.test(sub) || !sub.includes('@'))
    throw new Error(`${prefix === PREFIX ? 'agent' : 'supervisor'} must be an email address`);
  const iat = Math.floor((opts.now ?? new Date()).getTime() / 1000);
  const claims: RelayTokenClaims = { sub, jti: randomBytes(12).toString('base64url'), iat };
  const ttlDays = opts.ttlDays ?? DEFAULT_TOKEN_TTL_DAYS;
  if (ttlDays !== 'never') {
    if (!(ttlDays > 0)) throw new Error('ttlDays must be positive');
    claims.exp = iat + Math.round(ttlDays * 86_400);
  }
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return { token: `${prefix}.${payload}.${signWith(prefix, secret, payload)}`, claims };
}

/**
 * `sb1.<base64url JSON claims>.<base64url HMAC-SHA256 of "sb1.<claims>">`. Expires after
 * `ttlDays` (default DEFAULT_TOKEN_TTL_DAYS); `'never'` issues one without `exp`.
 */
export function issueRelayToken(
  secret: string,
  agentEmail: string,
  opts: { ttlDays?: number | 'never'; now?: Date } = {},
): { token: string; claims: RelayTokenClaims } {
  return issueWith(PREFIX, secret, agentEmail, opts);
}

/** `sbs1.<claims>.<HMAC of "sbs1.<claims>">`: reads the board and reports, nothing of an agent's own. Expiry as issueRelayToken. */
export function issueSupervisorToken(
  secret: string,
  email: string,
  opts: { ttlDays?: number | 'never'; now?: Date } = {},
): { token: string; claims: RelayTokenClaims } {
  return issueWith(SUPERVISOR_PREFIX, secret, email, opts);
}

export type VerifyResult =
  | { ok: true; agent: string; jti: string; claims: RelayTokenClaims }
  | { ok: false; reason: 'malformed' | 'bad signature' | 'expired' | 'supervisor token' };

function decodeWith(prefix: string, token: string): RelayTokenClaims | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== prefix) return undefined;
  try {
    const c = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as Partial<RelayTokenClaims>;
    if (typeof c.sub !== 'string' || typeof c.jti !== 'string' || typeof c.iat !== 'number') return undefined;
    if (c.exp !== undefined && typeof c.exp !== 'number') return undefined;
    return c as RelayTokenClaims;
  } catch {
    return undefined;
  }
}

/** Reads the claims without checking the signature (to revoke a token by its text). */
export function decodeRelayToken(token: string): RelayTokenClaims | undefined {
  return decodeWith(PREFIX, token);
}

/** An agent's or a supervisor's token, read without checking the signature: what `revoke --stdin` needs. */
export function decodeRevocableToken(token: string): (RelayTokenClaims & { role: 'agent' | 'supervisor' }) | undefined {
  const agent = decodeWith(PREFIX, token);
  if (agent) return { ...agent, role: 'agent' };
  const supervisor = decodeWith(SUPERVISOR_PREFIX, token);
  return supervisor && { ...supervisor, role: 'supervisor' };
}

type SignedResult = { ok: true; claims: RelayTokenClaims } | { ok: false; reason: 'malformed' | 'bad signature' | 'expired' };

function verifyWith(prefix: string, secret: string, token: string, now: Date): SignedResult {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== prefix || !parts[1] || !parts[2]) return { ok: false, reason: 'malformed' };
  if (!safeEqual(signWith(prefix, secret, parts[1]), parts[2])) return { ok: false, reason: 'bad signature' };
  const claims = decodeWith(prefix, token);
  if (!claims) return { ok: false, reason: 'malformed' };
  if (claims.exp !== undefined && claims.exp * 1000 <= now.getTime()) return { ok: false, reason: 'expired' };
  // The pseudo-agent holds undelivered events; no token may read them.
  if (normalizeAgentId(claims.sub) === '*' || !claims.sub.trim()) return { ok: false, reason: 'malformed' };
  return { ok: true, claims };
}

export function verifyRelayToken(secret: string, token: string, now: Date = new Date()): VerifyResult {
  if (token.startsWith(`${SUPERVISOR_PREFIX}.`)) {
    // A good one is named for what it is, so the entry point can say what it cannot do; a bad one is just bad.
    const s = verifyWith(SUPERVISOR_PREFIX, secret, token, now);
    return s.ok ? { ok: false, reason: 'supervisor token' } : s;
  }
  const v = verifyWith(PREFIX, secret, token, now);
  if (!v.ok) return v;
  return { ok: true, agent: normalizeAgentId(v.claims.sub), jti: v.claims.jti, claims: v.claims };
}

/** Verify + revocation list: the check every agent-facing entry point makes. */
export async function authenticateAgent(
  secret: string,
  token: string,
  isRevoked: (jti: string) => Promise<boolean>,
): Promise<{ ok: true; agent: string; jti: string } | { ok: false; reason: string }> {
  const v = verifyRelayToken(secret, token);
  if (!v.ok) return v;
  if (await isRevoked(v.jti)) return { ok: false, reason: 'revoked' };
  return { ok: true, agent: v.agent, jti: v.jti };
}

type SupervisorVerifyResult =
  | { ok: true; supervisor: string; jti: string; claims: RelayTokenClaims }
  | { ok: false; reason: 'malformed' | 'bad signature' | 'expired' | 'agent token' | 'admin token' };

export function verifySupervisorToken(secret: string, token: string, now: Date = new Date()): SupervisorVerifyResult {
  // Another kind of good token is named, so the board can say which one to use instead.
  if (token.startsWith(`${PREFIX}.`)) {
    const v = verifyWith(PREFIX, secret, token, now);
    return v.ok ? { ok: false, reason: 'agent token' } : v;
  }
  if (token.startsWith(`${ADMIN_PREFIX}.`)) {
    const v = verifyAdminToken(secret, token, now);
    if (v.ok) return { ok: false, reason: 'admin token' };
    return { ok: false, reason: v.reason === 'expired' || v.reason === 'bad signature' ? v.reason : 'malformed' };
  }
  const v = verifyWith(SUPERVISOR_PREFIX, secret, token, now);
  if (!v.ok) return v;
  return { ok: true, supervisor: normalizeAgentId(v.claims.sub), jti: v.claims.jti, claims: v.claims };
}

/** Verify + the same revocation list as agents' tokens: the check of the board's and the reports' endpoints. */
export async function authenticateSupervisor(
  secret: string,
  token: string,
  isRevoked: (jti: string) => Promise<boolean>,
): Promise<{ ok: true; supervisor: string; jti: string; exp?: number } | { ok: false; reason: string }> {
  const v = verifySupervisorToken(secret, token);
  if (!v.ok) return v;
  if (await isRevoked(v.jti)) return { ok: false, reason: 'revoked' };
  return { ok: true, supervisor: v.supervisor, jti: v.jti, ...(v.claims.exp !== undefined && { exp: v.claims.exp }) };
}

// Admin tokens, for the operator's `quarantine` commands against a running relay (admin-routes.ts).
// Minted by the CLI from RELAY_SECRET for one command and short-lived, so they need no revocation.
// Their own prefix is part of what the HMAC covers, so an agent token can never pass as an admin
// token, nor an admin token as an agent's.
const ADMIN_PREFIX = 'sba1';
/** Lifetime the CLI gives an admin token. */
export const ADMIN_TOKEN_TTL_SECONDS = 300;
/** Longest lifetime the relay accepts (a token minted for longer is refused). */
export const ADMIN_TOKEN_MAX_SECONDS = 900;
/** Clock skew allowed between the CLI's machine and the relay's. */
const ADMIN_CLOCK_SKEW_SECONDS = 60;

export interface AdminTokenClaims {
  role: 'admin';
  jti: string;
  iat: number;
  exp: number;
}

export function issueAdminToken(
  secret: string,
  opts: { ttlSeconds?: number; now?: Date } = {},
): { token: string; claims: AdminTokenClaims } {
  const iat = Math.floor((opts.now ?? new Date()).getTime() / 1000);
  const claims: AdminTokenClaims = {
    role: 'admin',
    jti: randomBytes(12).toString('base64url'),
    iat,
    exp: iat + (opts.ttlSeconds ?? ADMIN_TOKEN_TTL_SECONDS),
  };
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  const mac = createHmac('sha256', secret).update(`${ADMIN_PREFIX}.${payload}`).digest('base64url');
  return { token: `${ADMIN_PREFIX}.${payload}.${mac}`, claims };
}

export type AdminVerifyResult =
  | { ok: true; claims: AdminTokenClaims }
  | { ok: false; reason: 'malformed' | 'bad signature' | 'expired' | 'agent token' | 'supervisor token' };

export function verifyAdminToken(secret: string, token: string, now: Date = new Date()): AdminVerifyResult {
  const parts = token.split('.');
  if (parts[0] === PREFIX) return { ok: false, reason: 'agent token' };
  if (parts[0] === SUPERVISOR_PREFIX) return { ok: false, reason: 'supervisor token' };
  if (parts.length !== 3 || parts[0] !== ADMIN_PREFIX || !parts[1] || !parts[2]) return { ok: false, reason: 'malformed' };
  const mac = createHmac('sha256', secret).update(`${ADMIN_PREFIX}.${parts[1]}`).digest('base64url');
  if (!safeEqual(mac, parts[2])) return { ok: false, reason: 'bad signature' };
  let c: Partial<AdminTokenClaims>;
  try {
    c = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as Partial<AdminTokenClaims>;
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (c.role !== 'admin' || typeof c.jti !== 'string' || !Number.isInteger(c.iat) || !Number.isInteger(c.exp))
    return { ok: false, reason: 'malformed' };
  const t = now.getTime() / 1000;
  // A token that claims a long life was not made by our CLI: refused, like an expired one.
  if (c.exp! - c.iat! > ADMIN_TOKEN_MAX_SECONDS || c.iat! > t + ADMIN_CLOCK_SKEW_SECONDS || c.exp! <= t)
    return { ok: false, reason: 'expired' };
  return { ok: true, claims: c as AdminTokenClaims };
}
