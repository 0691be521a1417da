import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CONFIG_DEFAULTS,
  CONFIG_DOCS,
  formatConfigDocs,
  loadConfig,
  loadConfigKeys,
  RelayConfigSchema,
  SECRET_FLAGS,
  secretFlagRefusal,
} from '../src/config';

const SECRET = 'a'.repeat(64);
const HOOK = 'w'.repeat(32);

describe('config', () => {
  it('defaults, then env, then flags', () => {
    const r = loadConfig(
      { '--port': '9000' },
      {
        RELAY_PORT: '8000',
        RELAY_SECRET: SECRET,
        SNAPENGAGE_WEBHOOK_TOKEN: HOOK,
        RELAY_ALLOWED_ORIGINS: 'chrome-extension://a, moz-extension://b',
      },
    );
    expect(r).toEqual({
      ok: true,
      config: {
        ...CONFIG_DEFAULTS,
        port: 9000,
        secret: SECRET,
        webhookToken: HOOK,
        allowedOrigins: ['chrome-extension://a', 'moz-extension://b'],
      },
    });
    expect(CONFIG_DEFAULTS).toMatchObject({
      port: 8787,
      host: '127.0.0.1',
      dbPath: './data/relay.db',
      retentionDays: 7,
      pingIntervalMs: 20_000,
      allowedOrigins: [],
    });
  });

  it('says exactly what to set when the secret is missing or short', () => {
    const missing = loadConfig({}, { SNAPENGAGE_WEBHOOK_TOKEN: HOOK });
    expect(missing.ok).toBe(false);
    if (!missing.ok)
      expect(missing.errors.join('\n')).toMatch(
        /RELAY_SECRET is required: set RELAY_SECRET or RELAY_SECRET_FILE \(generate one with: openssl rand -hex 32\)/,
      );
    const short = loadConfig({}, { RELAY_SECRET: 'short', SNAPENGAGE_WEBHOOK_TOKEN: HOOK });
    if (short.ok) throw new Error('should fail');
    expect(short.errors).toEqual([
      'RELAY_SECRET must be at least 32 characters: set RELAY_SECRET or RELAY_SECRET_FILE (generate one with: openssl rand -hex 32).',
    ]);
    expect(short.errors.join('')).not.toContain('short');
  });

  it('refuses short webhook and phone tokens like the secret, without echoing them', () => {
    const r = loadConfig({}, { RELAY_SECRET: SECRET, SNAPENGAGE_WEBHOOK_TOKEN: 'w'.repeat(31), PHONE_WEBHOOK_TOKEN: 'phone-short' });
    if (r.ok) throw new Error('should fail');
    expect(r.errors).toEqual([
      'SNAPENGAGE_WEBHOOK_TOKEN must be at least 32 characters: set SNAPENGAGE_WEBHOOK_TOKEN or SNAPENGAGE_WEBHOOK_TOKEN_FILE (generate one with: openssl rand -hex 32).',
      'PHONE_WEBHOOK_TOKEN must be empty (off) or at least 32 characters: set PHONE_WEBHOOK_TOKEN or PHONE_WEBHOOK_TOKEN_FILE (generate one with: openssl rand -hex 32).',
    ]);
    expect(r.errors.join('')).not.toContain('phone-short');
    // Empty still means "phone sync off".
    expect(loadConfig({}, { RELAY_SECRET: SECRET, SNAPENGAGE_WEBHOOK_TOKEN: HOOK, PHONE_WEBHOOK_TOKEN: '' }).ok).toBe(true);
    expect(loadConfig({}, { RELAY_SECRET: SECRET, SNAPENGAGE_WEBHOOK_TOKEN: HOOK, PHONE_WEBHOOK_TOKEN: 'p'.repeat(32) }).ok).toBe(true);
  });

  it('reads secrets from the files *_FILE names (trailing newline dropped), and the Redis URL too', () => {
    const dir = mkdtempSync(join(tmpdir(), 'relay-config-'));
    try {
      const file = (name: string, text: string) => {
        writeFileSync(join(dir, name), text);
        return join(dir, name);
      };
      const r = loadConfig(
        {},
        {
          RELAY_SECRET_FILE: file('secret', `${SECRET}\n`),
          SNAPENGAGE_WEBHOOK_TOKEN_FILE: file('hook', `${HOOK}\r\n`),
          PHONE_WEBHOOK_TOKEN_FILE: file('phone-in', 'p'.repeat(40)),
          PHONE_SYSTEM_TOKEN_FILE: file('phone-out', 'pbx token\n'),
          RELAY_REDIS_URL_FILE: file('redis', 'redis://:hunter2@127.0.0.1:6379/1\n'),
        },
      );
      expect(r).toEqual({
        ok: true,
        config: {
          ...CONFIG_DEFAULTS,
          secret: SECRET,
          webhookToken: HOOK,
          phoneWebhookToken: 'p'.repeat(40),
          phoneSystemToken: 'pbx token',
          redisUrl: 'redis://:hunter2@127.0.0.1:6379/1',
        },
      });
      const empty = loadConfig({}, { RELAY_SECRET_FILE: file('empty', '\n'), SNAPENGAGE_WEBHOOK_TOKEN: HOOK });
      expect(empty).toEqual({
        ok: false,
        errors: ['RELAY_SECRET_FILE names an empty file: set RELAY_SECRET or RELAY_SECRET_FILE (generate one with: openssl rand -hex 32).'],
      });
      const shortInFile = loadConfig({}, { RELAY_SECRET: SECRET, SNAPENGAGE_WEBHOOK_TOKEN_FILE: file('short', 'hush\n') });
      expect(shortInFile).toEqual({
        ok: false,
        errors: [expect.stringMatching(/^SNAPENGAGE_WEBHOOK_TOKEN_FILE must be at least 32 characters: /)],
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses X with X_FILE, an unreadable file (naming the variable, not the path nor any content), and a Redis password in a flag', () => {
    const both = loadConfig({}, { RELAY_SECRET: SECRET, RELAY_SECRET_FILE: '/etc/hostname', SNAPENGAGE_WEBHOOK_TOKEN: HOOK });
    expect(both).toEqual({ ok: false, errors: ['RELAY_SECRET and RELAY_SECRET_FILE are both set: set only one of them.'] });
    // Someone who mixed up X and X_FILE has put the secret where the path goes: it must not be echoed.
    const mixedUp = loadConfig({}, { RELAY_SECRET_FILE: SECRET, SNAPENGAGE_WEBHOOK_TOKEN: HOOK });
    expect(mixedUp).toEqual({
      ok: false,
      errors: [
        'RELAY_SECRET_FILE names a file that cannot be read (no such file): set RELAY_SECRET or RELAY_SECRET_FILE (generate one with: openssl rand -hex 32).',
      ],
    });
    const folder = loadConfig({}, { RELAY_SECRET: SECRET, SNAPENGAGE_WEBHOOK_TOKEN_FILE: tmpdir() });
    expect(folder.ok ? [] : folder.errors).toEqual([
      expect.stringMatching(/^SNAPENGAGE_WEBHOOK_TOKEN_FILE names a file that cannot be read \(it is a folder\): /),
    ]);
    const flagged = loadConfigKeys({ '--redis-url': 'redis://:hunter2@127.0.0.1:6379' }, {}, ['redisUrl']);
    expect(flagged).toEqual({
      ok: false,
      errors: [
        '--redis-url must not carry a password (ps and shell history keep arguments): set RELAY_REDIS_URL or RELAY_REDIS_URL_FILE instead.',
      ],
    });
    expect(loadConfigKeys({ '--redis-url': 'redis://127.0.0.1:6379/2' }, {}, ['redisUrl'])).toEqual({
      ok: true,
      config: { redisUrl: 'redis://127.0.0.1:6379/2' },
    });
  });

  it('no secret has a flag; each old one is refused with where to put it instead', () => {
    for (const key of ['secret', 'webhookToken', 'phoneWebhookToken', 'phoneSystemToken', 'snapengageApiToken'] as const) {
      const doc = CONFIG_DOCS.find((d) => d.key === key)!;
      expect(doc.flag, key).toBeUndefined();
      expect(doc.file, key).toBe(true);
    }
    expect(Object.values(SECRET_FLAGS).sort()).toEqual(['phoneSystemToken', 'phoneWebhookToken', 'secret', 'webhookToken']);
    expect(secretFlagRefusal('--secret')).toBe(
      '--secret is not accepted: ps and shell history keep command-line arguments, so secrets come only from the environment: set RELAY_SECRET or RELAY_SECRET_FILE (generate one with: openssl rand -hex 32).',
    );
    expect(secretFlagRefusal('--port')).toBeUndefined();
  });

  it('PHONE_SYSTEM_URL: https, plain http only to loopback, never user:password, and the URL is not echoed', () => {
    const check = (url: string) => {
      const r = loadConfigKeys({}, { PHONE_SYSTEM_URL: url }, ['phoneSystemUrl']);
      return r.ok ? 'ok' : r.errors.join(' ');
    };
    for (const url of [
      '',
      'https://pbx.example.com/notices',
      'https://10.0.0.5:8443/n',
      'http://127.0.0.1:9000/n',
      'http://127.8.9.10/n',
      'http://[::1]:9000/n',
      'http://localhost/n',
      'http://LocalHost:1/n',
    ])
      expect(check(url), url).toBe('ok');
    const https =
      'PHONE_SYSTEM_URL must be https:// (plain http:// only to 127.0.0.0/8, [::1] or localhost): set PHONE_SYSTEM_URL or pass --phone-system-url.';
    for (const url of [
      'http://pbx.example.com/notices',
      'http://10.0.0.5/n',
      'http://127.0.0.1.nip.io/n',
      'http://[::2]/n',
      'http://localhost.example.com/n',
    ])
      expect(check(url), url).toBe(https);
    for (const url of ['https://bob:s3cret@pbx.example.com/n', 'http://bob:s3cret@127.0.0.1/n', 'https://token-only@pbx.example.com/n']) {
      expect(check(url), url).toBe(
        'PHONE_SYSTEM_URL must not carry user:password (send a token with PHONE_SYSTEM_TOKEN): set PHONE_SYSTEM_URL or pass --phone-system-url.',
      );
    }
    for (const url of ['ftp://pbx.example.com/', 'pbx.example.com/notices', 'https//pbx'])
      expect(check(url), url).toBe('PHONE_SYSTEM_URL must be empty or an https:// URL: set PHONE_SYSTEM_URL or pass --phone-system-url.');
  });

  it("relay mode: the account's API token only from the environment or a file, the org id digits, the API base an https origin", () => {
    const check = (env: Record<string, string>, keys: Parameters<typeof loadConfigKeys>[2]) => {
      const r = loadConfigKeys({}, env, keys);
      return r.ok ? r.config : r.errors.join(' ');
    };
    expect(check({}, ['snapengageApiToken', 'snapengageOrgId', 'snapengageApiBase', 'snapengageStatusRequest'])).toEqual({
      snapengageApiToken: '',
      snapengageOrgId: '',
      snapengageApiBase: 'https://www.snapengage.com',
      snapengageStatusRequest: '',
    });
    expect(check({ SNAPENGAGE_API_TOKEN: 'secret7' }, ['snapengageApiToken'])).toBe(
      'SNAPENGAGE_API_TOKEN must be empty (relay mode off) or at least 8 characters: set SNAPENGAGE_API_TOKEN or SNAPENGAGE_API_TOKEN_FILE.',
    );
    const dir = mkdtempSync(join(tmpdir(), 'relay-config-'));
    try {
      writeFileSync(join(dir, 'api-token'), 'account-api-token\n');
      expect(check({ SNAPENGAGE_API_TOKEN_FILE: join(dir, 'api-token') }, ['snapengageApiToken'])).toEqual({
        snapengageApiToken: 'account-api-token',
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(secretFlagRefusal('--snapengage-api-token')).toBeUndefined();
    expect(check({ SNAPENGAGE_ORG_ID: '6418107096367104' }, ['snapengageOrgId'])).toEqual({ snapengageOrgId: '6418107096367104' });
    expect(check({ SNAPENGAGE_ORG_ID: '64/../1' }, ['snapengageOrgId'])).toBe(
      'SNAPENGAGE_ORG_ID must be empty or digits (the number in /api/v2/<org id>/): set SNAPENGAGE_ORG_ID or pass --snapengage-org-id.',
    );
    for (const base of ['https://www.snapengage.com', 'https://eu.snapengage.example/', 'http://127.0.0.1:8788', 'http://localhost:1'])
      expect(check({ SNAPENGAGE_API_BASE: base }, ['snapengageApiBase']), base).toEqual({ snapengageApiBase: base });
    for (const [base, why] of [
      ['http://www.snapengage.com', 'must be https:// (plain http:// only to 127.0.0.0/8, [::1] or localhost)'],
      ['www.snapengage.com', 'must be an https:// URL'],
      ['https://user:pw@www.snapengage.com', 'must not carry user:password'],
      [
        'https://www.snapengage.com/api/v2',
        "must be an origin such as https://www.snapengage.com, without a path (the path is SNAPENGAGE_STATUS_REQUEST's)",
      ],
    ] as const)
      expect(check({ SNAPENGAGE_API_BASE: base }, ['snapengageApiBase']), base).toBe(
        `SNAPENGAGE_API_BASE ${why}: set SNAPENGAGE_API_BASE or pass --snapengage-api-base.`,
      );
  });

  it('SNAPENGAGE_STATUS_REQUEST: an override of the inferred request, refused at start naming the bad part', () => {
    const check = (value: string) => {
      const r = loadConfigKeys({}, { SNAPENGAGE_STATUS_REQUEST: value }, ['snapengageStatusRequest']);
      return r.ok ? 'ok' : r.errors.join(' ');
    };
    expect(check('{"path": "/api/v3/{orgId}/agents/status", "agentField": "email", "auth": "bearer"}')).toBe('ok');
    const how = ': set SNAPENGAGE_STATUS_REQUEST or pass --snapengage-status-request.';
    for (const [value, why] of [
      ['{path: 1}', 'is not valid JSON (expected an object such as {"path": "/api/v2/{orgId}/agent/status"})'],
      ['[]', 'must be a JSON object'],
      ['{"agent_field": "email"}', 'has an unknown key "agent_field" (known: path, agentField, statusField, substatusField, auth)'],
      ['{"path": "/api/v2/agent/status"}', 'has a bad "path": must contain {orgId}'],
      ['{"path": "//evil.example/{orgId}"}', 'has a bad "path": must be a path starting with one /'],
      ['{"statusField": "st atus"}', 'has a bad "statusField": must be a plain field name'],
      ['{"auth": "token"}', 'has a bad "auth": must be "bare" or "bearer"'],
    ] as const)
      expect(check(value), value).toBe(`SNAPENGAGE_STATUS_REQUEST ${why}${how}`);
  });

  it('RELAY_PUBLIC_URL: https (plain http to loopback only), no credentials; RELAY_STATUS_RATE_LIMIT a count', () => {
    const check = (url: string) => {
      const r = loadConfigKeys({ '--public-url': url }, {}, ['publicUrl']);
      return r.ok ? 'ok' : r.errors.join(' ');
    };
    for (const url of [
      '',
      'https://relay.example.com',
      'https://example.com/switchboard/',
      'wss://relay.example.com/ws',
      'http://127.0.0.1:8787',
    ])
      expect(check(url), url).toBe('ok');
    expect(check('http://relay.example.com')).toBe(
      'RELAY_PUBLIC_URL must be https:// (plain http:// only to 127.0.0.0/8, [::1] or localhost): set RELAY_PUBLIC_URL or pass --public-url.',
    );
    for (const url of ['https://u:p@relay.example.com', 'https://relay.example.com/?token=x'])
      expect(check(url), url).toBe(
        'RELAY_PUBLIC_URL must not carry user:password, a query or a fragment: set RELAY_PUBLIC_URL or pass --public-url.',
      );
    expect(loadConfigKeys({}, { RELAY_STATUS_RATE_LIMIT: '0' }, ['statusRateLimit'])).toEqual({ ok: true, config: { statusRateLimit: 0 } });
    expect(loadConfigKeys({}, {}, ['statusRateLimit'])).toEqual({ ok: true, config: { statusRateLimit: 30 } });
    expect(loadConfigKeys({}, { RELAY_STATUS_RATE_LIMIT: '-1' }, ['statusRateLimit']).ok).toBe(false);
  });

  it('names each invalid option', () => {
    const r = loadConfig(
      { '--port': 'abc', '--log-level': 'loud' },
      { RELAY_SECRET: SECRET, SNAPENGAGE_WEBHOOK_TOKEN: HOOK, RELAY_RETENTION_DAYS: '0' },
    );
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
      if (d.flag) expect(help).toContain(d.flag);
      if (d.file) expect(help).toContain(`${d.env}_FILE`);
    }
  });
});
