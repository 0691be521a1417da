import { describe, expect, it } from 'vitest';
import {
  bearerToken,
  checkWebhookToken,
  decodeRelayToken,
  DEFAULT_TOKEN_TTL_DAYS,
  issueRelayToken,
  presentedWebhookToken,
  verifyRelayToken,
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
