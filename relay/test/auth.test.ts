import { describe, expect, it } from 'vitest';
import {
  authenticateAgent,
  authenticateSupervisor,
  bearerToken,
  checkWebhookToken,
  decodeRelayToken,
  decodeRevocableToken,
  DEFAULT_TOKEN_TTL_DAYS,
  issueAdminToken,
  issueRelayToken,
  issueSupervisorToken,
  presentedWebhookToken,
  verifyAdminToken,
  verifyRelayToken,
  verifySupervisorToken,
} from '../src/auth';

const SECRET = 's'.repeat(40);

describe('relay tokens', () => {
  it('issue → verify round trip, agent lowercased', () => {
    const { token, claims } = issueRelayToken(SECRET, ' Alice@Example.com ', { ttlDays: 30 });
    expect(token).toMatch(/^sb1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(claims.sub).toBe('alice@example.com');
    expect(claims.exp! - claims.iat).toBe(30 * 86_400);
    expect(verifyRelayToken(SECRET, token)).toMatchObject({ ok: true, agent: 'alice@example.com', jti: claims.jti });
    expect(decodeRelayToken(token)).toEqual(claims);
  });

  it('tokens expire after 180 days unless asked otherwise; never only when asked; each has its own jti', () => {
    const now = new Date('2030-01-01T00:00:00Z');
    const a = issueRelayToken(SECRET, 'a@b.c', { now });
    const b = issueRelayToken(SECRET, 'a@b.c');
    expect(a.claims.exp! - a.claims.iat).toBe(DEFAULT_TOKEN_TTL_DAYS * 86_400);
    expect(DEFAULT_TOKEN_TTL_DAYS).toBe(180);
    expect(verifyRelayToken(SECRET, a.token, new Date(now.getTime() + 179 * 86_400_000)).ok).toBe(true);
    expect(verifyRelayToken(SECRET, a.token, new Date(now.getTime() + 180 * 86_400_000))).toEqual({ ok: false, reason: 'expired' });
    expect(a.claims.jti).not.toBe(b.claims.jti);
    const forever = issueRelayToken(SECRET, 'a@b.c', { ttlDays: 'never' });
    expect(forever.claims.exp).toBeUndefined();
    expect(verifyRelayToken(SECRET, forever.token, new Date(Date.now() + 10 * 365 * 86_400_000)).ok).toBe(true);
  });

  it('rejects bad signature, tampering, expiry and garbage', () => {
    const { token } = issueRelayToken(SECRET, 'alice@example.com', { ttlDays: 1 });
    expect(verifyRelayToken('x'.repeat(40), token)).toEqual({ ok: false, reason: 'bad signature' });
    const [p, , sig] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ ...decodeRelayToken(token), sub: 'bob@example.com' })).toString('base64url');
    expect(verifyRelayToken(SECRET, `${p}.${forged}.${sig}`)).toEqual({ ok: false, reason: 'bad signature' });
    expect(verifyRelayToken(SECRET, token, new Date(Date.now() + 2 * 86_400_000))).toEqual({ ok: false, reason: 'expired' });
    for (const bad of ['', 'sb1', 'sb1..', 'jwt.a.b', 'sb1.a.b.c', `${token}x`]) expect(verifyRelayToken(SECRET, bad).ok, bad).toBe(false);
  });

  it('refuses to issue for a non-email or the pseudo-agent', () => {
    expect(() => issueRelayToken(SECRET, '*')).toThrow();
    expect(() => issueRelayToken(SECRET, 'alice')).toThrow();
  });
});

describe('supervisor tokens', () => {
  it('issue → verify round trip: their own prefix, the email normalised, the same claims as an agent token', () => {
    const { token, claims } = issueSupervisorToken(SECRET, ' Lead@Example.com ', { ttlDays: 30 });
    expect(token).toMatch(/^sbs1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(Object.keys(claims).sort()).toEqual(['exp', 'iat', 'jti', 'sub']);
    expect(claims.sub).toBe('lead@example.com');
    expect(claims.exp! - claims.iat).toBe(30 * 86_400);
    expect(verifySupervisorToken(SECRET, token)).toEqual({ ok: true, supervisor: 'lead@example.com', jti: claims.jti, claims });
    expect(decodeRevocableToken(token)).toEqual({ ...claims, role: 'supervisor' });
    expect(decodeRevocableToken(issueRelayToken(SECRET, 'a@b.c').token)?.role).toBe('agent');
    expect(decodeRevocableToken('sba1.x.y')).toBeUndefined();
  });

  it('expire after 180 days unless asked otherwise, as agent tokens do; never only when asked', () => {
    const now = new Date('2030-01-01T00:00:00Z');
    const { token, claims } = issueSupervisorToken(SECRET, 'lead@example.com', { now });
    expect(claims.exp! - claims.iat).toBe(DEFAULT_TOKEN_TTL_DAYS * 86_400);
    expect(verifySupervisorToken(SECRET, token, new Date(now.getTime() + 179 * 86_400_000)).ok).toBe(true);
    expect(verifySupervisorToken(SECRET, token, new Date(now.getTime() + 180 * 86_400_000))).toEqual({ ok: false, reason: 'expired' });
    expect(issueSupervisorToken(SECRET, 'lead@example.com', { ttlDays: 'never' }).claims.exp).toBeUndefined();
    expect(() => issueSupervisorToken(SECRET, 'lead')).toThrow('supervisor must be an email address');
  });

  it('an agent entry point never takes one, and the board never takes an agent or admin token: each is named', () => {
    const supervisor = issueSupervisorToken(SECRET, 'lead@example.com').token;
    const agent = issueRelayToken(SECRET, 'lead@example.com').token;
    expect(verifyRelayToken(SECRET, supervisor)).toEqual({ ok: false, reason: 'supervisor token' });
    expect(verifyAdminToken(SECRET, supervisor)).toEqual({ ok: false, reason: 'supervisor token' });
    expect(verifySupervisorToken(SECRET, agent)).toEqual({ ok: false, reason: 'agent token' });
    expect(verifySupervisorToken(SECRET, issueAdminToken(SECRET).token)).toEqual({ ok: false, reason: 'admin token' });
    // Named only when good: a bad one of another kind is just bad.
    expect(verifyRelayToken('x'.repeat(40), supervisor)).toEqual({ ok: false, reason: 'bad signature' });
    expect(verifySupervisorToken('x'.repeat(40), agent)).toEqual({ ok: false, reason: 'bad signature' });
  });

  it('the prefix is signed: an agent token relabelled as a supervisor token (or back) does not verify', () => {
    const agent = issueRelayToken(SECRET, 'alice@example.com').token;
    const supervisor = issueSupervisorToken(SECRET, 'alice@example.com').token;
    expect(verifySupervisorToken(SECRET, agent.replace(/^sb1\./, 'sbs1.'))).toEqual({ ok: false, reason: 'bad signature' });
    expect(verifyRelayToken(SECRET, supervisor.replace(/^sbs1\./, 'sb1.'))).toEqual({ ok: false, reason: 'bad signature' });
    for (const bad of ['', 'sbs1', 'sbs1..', 'sbs1.a.b.c', `${supervisor}x`])
      expect(verifySupervisorToken(SECRET, bad).ok, bad).toBe(false);
  });

  it('revocation goes through the same list as agent tokens', async () => {
    const { token, claims } = issueSupervisorToken(SECRET, 'lead@example.com');
    const revoked = new Set<string>();
    const isRevoked = async (jti: string) => revoked.has(jti);
    expect(await authenticateSupervisor(SECRET, token, isRevoked)).toEqual({
      ok: true,
      supervisor: 'lead@example.com',
      jti: claims.jti,
      exp: claims.exp,
    });
    revoked.add(claims.jti);
    expect(await authenticateSupervisor(SECRET, token, isRevoked)).toEqual({ ok: false, reason: 'revoked' });
    expect(await authenticateAgent(SECRET, token, isRevoked)).toEqual({ ok: false, reason: 'supervisor token' });
  });
});

describe('webhook token', () => {
  it.each([
    [{ authorization: 'tok' }, true],
    [{ authorization: 'Bearer tok' }, true],
    [{ authorization: 'bearer   tok' }, true],
    [{ authentication: 'tok' }, true],
    [{ authentication: 'Bearer tok' }, true],
    [{ authorization: 'tok2' }, false],
    [{ authorization: 'to' }, false],
    [{ authorization: '' }, false],
    [{}, false],
  ])('%j → %s', (headers, ok) => {
    expect(checkWebhookToken(headers, 'tok')).toBe(ok);
  });

  it('compares every byte and the length, for tokens up to the padded size and beyond it', () => {
    const long = 'x'.repeat(300);
    for (const token of ['tok', 'a'.repeat(255), 'é'.repeat(128), long]) {
      expect(checkWebhookToken({ authorization: token }, token), token.slice(0, 8)).toBe(true);
      expect(checkWebhookToken({ authorization: `${token}\0` }, token)).toBe(false);
      expect(checkWebhookToken({ authorization: `${token.slice(0, -1)}y` }, token)).toBe(false);
      expect(checkWebhookToken({ authorization: token.slice(1) }, token)).toBe(false);
    }
    // Longer than the padded size, equal in its first 256 bytes: refused.
    expect(checkWebhookToken({ authorization: `${'a'.repeat(256)}b` }, 'a'.repeat(256))).toBe(false);
    expect(checkWebhookToken({ authorization: 'a'.repeat(256) }, `${'a'.repeat(256)}b`)).toBe(false);
    expect(checkWebhookToken({ authorization: long.slice(0, 299) }, long)).toBe(false);
  });

  it('reads tokens for display-free use only', () => {
    expect(presentedWebhookToken({ authorization: ' Bearer abc ' })).toBe('abc');
    expect(bearerToken({ authorization: 'Bearer abc' })).toBe('abc');
    expect(bearerToken({ authorization: 'abc' })).toBeUndefined();
  });
});
