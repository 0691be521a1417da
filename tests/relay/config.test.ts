import { describe, expect, it } from 'vitest';
import { CONFIG_DEFAULTS, CONFIG_DOCS, formatConfigDocs, loadConfig, loadConfigKeys, RelayConfigSchema } from '../../relay/config';

const SECRET = 'a'.repeat(64);
const HOOK = 'w'.repeat(32);

describe('config', () => {
  it('defaults, then env, then flags', () => {
    const r = loadConfig({ '--port': '9000' }, { RELAY_PORT: '8000', RELAY_SECRET: SECRET, SNAPENGAGE_WEBHOOK_TOKEN: HOOK, RELAY_ALLOWED_ORIGINS: 'chrome-extension://a, moz-extension://b' });
    expect(r).toEqual({
      ok: true,
      config: { ...CONFIG_DEFAULTS, port: 9000, secret: SECRET, webhookToken: HOOK, allowedOrigins: ['chrome-extension://a', 'moz-extension://b'] },
    });
    expect(CONFIG_DEFAULTS).toMatchObject({ port: 8787, host: '127.0.0.1', dbPath: './data/relay.db', retentionDays: 7, pingIntervalMs: 20000, allowedOrigins: [] });
  });

  it('says exactly what to set when the secret is missing or short', () => {
    const missing = loadConfig({}, { SNAPENGAGE_WEBHOOK_TOKEN: HOOK });
    expect(missing.ok).toBe(false);
    if (!missing.ok) expect(missing.errors.join('\n')).toMatch(/RELAY_SECRET is required: set RELAY_SECRET or pass --secret \(generate one with: openssl rand -hex 32\)/);
    const short = loadConfig({ '--secret': 'short' }, { SNAPENGAGE_WEBHOOK_TOKEN: HOOK });
    if (short.ok) throw new Error('should fail');
    expect(short.errors).toEqual(['RELAY_SECRET must be at least 32 characters: set RELAY_SECRET or pass --secret (generate one with: openssl rand -hex 32).']);
    expect(short.errors.join('')).not.toContain('short');
  });

  it('refuses short webhook and phone tokens like the secret, without echoing them', () => {
    const r = loadConfig({}, { RELAY_SECRET: SECRET, SNAPENGAGE_WEBHOOK_TOKEN: 'w'.repeat(31), PHONE_WEBHOOK_TOKEN: 'phone-short' });
    if (r.ok) throw new Error('should fail');
    expect(r.errors).toEqual([
      'SNAPENGAGE_WEBHOOK_TOKEN must be at least 32 characters: set SNAPENGAGE_WEBHOOK_TOKEN or pass --webhook-token (generate one with: openssl rand -hex 32).',
      'PHONE_WEBHOOK_TOKEN must be empty (off) or at least 32 characters: set PHONE_WEBHOOK_TOKEN or pass --phone-webhook-token (generate one with: openssl rand -hex 32).',
    ]);
    expect(r.errors.join('')).not.toContain('phone-short');
    // Empty still means "phone sync off".
    expect(loadConfig({}, { RELAY_SECRET: SECRET, SNAPENGAGE_WEBHOOK_TOKEN: HOOK, PHONE_WEBHOOK_TOKEN: '' }).ok).toBe(true);
    expect(loadConfig({}, { RELAY_SECRET: SECRET, SNAPENGAGE_WEBHOOK_TOKEN: HOOK, PHONE_WEBHOOK_TOKEN: 'p'.repeat(32) }).ok).toBe(true);
  });

  it('names each invalid option', () => {
    const r = loadConfig({ '--port': 'abc', '--log-level': 'loud' }, { RELAY_SECRET: SECRET, SNAPENGAGE_WEBHOOK_TOKEN: HOOK, RELAY_RETENTION_DAYS: '0' });
    if (r.ok) throw new Error('should fail');
    expect(r.errors.map((e) => e.split(' ')[0])).toEqual(['RELAY_PORT', 'RELAY_RETENTION_DAYS', 'RELAY_LOG_LEVEL']);
  });

  it('loads single keys for the CLI sub-commands', () => {
    expect(loadConfigKeys({}, { RELAY_SECRET: SECRET }, ['secret'])).toEqual({ ok: true, config: { secret: SECRET } });
    expect(loadConfigKeys({ '--db': '/x.db' }, {}, ['dbPath'])).toEqual({ ok: true, config: { dbPath: '/x.db' } });
  });

  it('documents every option', () => {
    expect(CONFIG_DOCS.map((d) => d.key).sort()).toEqual(Object.keys(RelayConfigSchema.shape).sort());
    const help = formatConfigDocs();
    for (const d of CONFIG_DOCS) {
      expect(help).toContain(d.env);
      expect(help).toContain(d.flag);
    }
  });
});
