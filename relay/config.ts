// Relay configuration: command-line flags win over environment variables, which win over
// defaults. CONFIG_DOCS is the single list of options; `--help` and the README print it.
import * as z from 'zod/mini';
import { trustEntryError } from './client-limits';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const port = z.int('must be an integer').check(z.minimum(0, 'must be 0..65535'), z.maximum(65535, 'must be 0..65535'));
const positiveInt = z.int('must be an integer').check(z.positive('must be positive'));

export const RelayConfigSchema = z.object({
  port,
  host: z.string().check(z.minLength(1, 'must not be empty')),
  dbPath: z.string().check(z.minLength(1, 'must not be empty')),
  webhookToken: z.string().check(z.minLength(1, 'must not be empty')),
  secret: z.string().check(z.minLength(32, 'must be at least 32 characters')),
  retentionDays: positiveInt,
  pingIntervalMs: z.int('must be an integer').check(z.minimum(1000, 'must be at least 1000')),
  allowedOrigins: z.array(z.string()),
  logLevel: z.enum(LOG_LEVELS, `must be one of ${LOG_LEVELS.join(', ')}`),
  phoneWebhookToken: z.string(),
  phoneSystemUrl: z.string().check(z.refine((s) => s === '' || /^https?:\/\/[^\s/]+/i.test(s), 'must be empty or an http:// / https:// URL')),
  phoneSystemToken: z.string(),
  redisUrl: z.string().check(z.refine((s) => s === '' || /^rediss?:\/\//.test(s), 'must be empty or a redis:// / rediss:// URL')),
  webhookRateLimit: z.int('must be an integer').check(z.minimum(0, 'must be 0 (off) or more')),
  wsRateLimit: z.int('must be an integer').check(z.minimum(0, 'must be 0 (off) or more')),
  authFailureLimit: z.int('must be an integer').check(z.minimum(0, 'must be 0 (off) or more')),
  trustProxy: z.array(z.string()).check(
    z.refine((list) => list.every((e) => !trustEntryError(e)), { error: (i) => `has ${(i.input as string[]).map(trustEntryError).find(Boolean)}` }),
  ),
  maxUnauthConnections: positiveInt,
  maxUnauthPerAddress: positiveInt,
  maxPendingHellos: positiveInt,
});
export type RelayConfig = z.infer<typeof RelayConfigSchema>;
export type ConfigKey = keyof RelayConfig;

export interface ConfigDoc {
  key: ConfigKey;
  env: string;
  flag: string;
  /** Printed as-is; `undefined` means required. */
  default: string | undefined;
  description: string;
}

export const CONFIG_DOCS: readonly ConfigDoc[] = [
  { key: 'port', env: 'RELAY_PORT', flag: '--port', default: '8787', description: 'TCP port for HTTP and websockets (0 = pick a free one).' },
  {
    key: 'host',
    env: 'RELAY_HOST',
    flag: '--host',
    default: '127.0.0.1',
    description: 'Interface to listen on. Loopback by default so a fresh install is not exposed; use 0.0.0.0 behind a TLS proxy.',
  },
  { key: 'dbPath', env: 'RELAY_DB', flag: '--db', default: './data/relay.db', description: 'SQLite file for the event log (created with its folder). A new file starts a new generation.' },
  {
    key: 'webhookToken',
    env: 'SNAPENGAGE_WEBHOOK_TOKEN',
    flag: '--webhook-token',
    default: undefined,
    description: 'The Authentication Token configured in SnapEngage for both webhooks. Required for serve.',
  },
  {
    key: 'secret',
    env: 'RELAY_SECRET',
    flag: '--secret',
    default: undefined,
    description: 'HMAC key for relay tokens, at least 32 characters (generate: openssl rand -hex 32). Changing it invalidates every token.',
  },
  { key: 'retentionDays', env: 'RELAY_RETENTION_DAYS', flag: '--retention-days', default: '7', description: 'Events older than this are pruned (at start and hourly).' },
  {
    key: 'pingIntervalMs',
    env: 'RELAY_PING_INTERVAL_MS',
    flag: '--ping-interval-ms',
    default: '20000',
    description: 'Websocket ping sweep interval; sockets that did not answer the previous ping are dropped.',
  },
  {
    key: 'allowedOrigins',
    env: 'RELAY_ALLOWED_ORIGINS',
    flag: '--allowed-origins',
    default: '',
    description:
      'Comma-separated websocket Origins allowed (an entry may end in * for a prefix). Empty = chrome-extension://*, moz-extension://* and clients that send no Origin.',
  },
  { key: 'logLevel', env: 'RELAY_LOG_LEVEL', flag: '--log-level', default: 'info', description: `Log level: ${LOG_LEVELS.join(', ')}.` },
  {
    key: 'phoneWebhookToken',
    env: 'PHONE_WEBHOOK_TOKEN',
    flag: '--phone-webhook-token',
    default: '',
    description: 'Token the phone system sends (Authorization: <token> or Bearer <token>) with POST /phone/call-events. Empty = that endpoint is off (404). See docs/phone-sync.md.',
  },
  {
    key: 'phoneSystemUrl',
    env: 'PHONE_SYSTEM_URL',
    flag: '--phone-system-url',
    default: '',
    description: 'http(s) URL the relay POSTs chat-started / chat-ended notices to (retried until a 2xx, up to 24 h; queued in <db>.phone-outbox). Empty = no notices.',
  },
  {
    key: 'phoneSystemToken',
    env: 'PHONE_SYSTEM_TOKEN',
    flag: '--phone-system-token',
    default: '',
    description: 'Sent as Authorization: Bearer <token> with each notice to PHONE_SYSTEM_URL. Empty = no Authorization header.',
  },
  {
    key: 'redisUrl',
    env: 'RELAY_REDIS_URL',
    flag: '--redis-url',
    default: '',
    description:
      'redis://[:password@]host:port[/db]: keep events in Redis (a stream per agent) and fan them out across relay processes, so several relays can share one team behind a load balancer. Run Redis with appendonly yes + appendfsync always. Empty = the SQLite file (--db).',
  },
  {
    key: 'webhookRateLimit',
    env: 'RELAY_WEBHOOK_RATE_LIMIT',
    flag: '--webhook-rate-limit',
    default: '1000',
    description:
      'Authenticated webhook requests per second per endpoint (SnapEngage\'s two, the phone\'s; bursts up to 5 s worth), whoever sends them; above it: 429 with Retry-After. Checked after the token, so other callers cannot use it up. 0 = no limit.',
  },
  {
    key: 'wsRateLimit',
    env: 'RELAY_WS_RATE_LIMIT',
    flag: '--ws-rate-limit',
    default: '120',
    description: 'Websocket connections per minute per relay token (bursts up to the same number); above it the socket is closed with 4429. 0 = no limit.',
  },
  {
    key: 'authFailureLimit',
    env: 'RELAY_AUTH_FAILURE_LIMIT',
    flag: '--auth-failure-limit',
    default: '60',
    description:
      'Failed attempts per minute per client address (bursts up to the same number), counted apart for HTTP (wrong or missing webhook, phone or relay tokens: then 429 with Retry-After instead of 401; a valid token is never held back) and for websockets (hellos that fail or never come, upgrades to unknown paths: then upgrades from that address are refused with 429). 0 = no limit.',
  },
  {
    key: 'trustProxy',
    env: 'RELAY_TRUST_PROXY',
    flag: '--trust-proxy',
    default: '',
    description:
      'Comma-separated addresses or CIDRs (IPv4, IPv6) of your reverse proxies. Only for connections from these is the client address read from X-Forwarded-For (the rightmost hop that is not one of them); set it behind a proxy, or every client shares the proxy\'s address in the per-address limits. Empty = X-Forwarded-For is ignored.',
  },
  {
    key: 'maxUnauthConnections',
    env: 'RELAY_MAX_UNAUTH_CONNECTIONS',
    flag: '--max-unauth-connections',
    default: '4096',
    description:
      'Open connections that are not authenticated websockets (HTTP connections, websockets before their hello), in total. Beyond it a new connection is answered 503 and closed at once.',
  },
  {
    key: 'maxUnauthPerAddress',
    env: 'RELAY_MAX_UNAUTH_PER_ADDRESS',
    flag: '--max-unauth-per-address',
    default: '256',
    description: 'The same per client address (IPv6 per /64); beyond it: 429 and closed. A trusted proxy\'s connections count under the client they forward for (websockets).',
  },
  {
    key: 'maxPendingHellos',
    env: 'RELAY_MAX_PENDING_HELLOS',
    flag: '--max-pending-hellos',
    default: '1024',
    description: 'Websockets waiting for their hello (each has 10 s to send it). Beyond it a websocket upgrade is answered 503 and closed.',
  },
];

/** Defaults of the optional settings, typed (CONFIG_DOCS holds them as text for --help). */
export const CONFIG_DEFAULTS: Omit<RelayConfig, 'webhookToken' | 'secret'> = {
  port: 8787,
  host: '127.0.0.1',
  dbPath: './data/relay.db',
  retentionDays: 7,
  pingIntervalMs: 20_000,
  allowedOrigins: [],
  logLevel: 'info',
  phoneWebhookToken: '',
  phoneSystemUrl: '',
  phoneSystemToken: '',
  redisUrl: '',
  webhookRateLimit: 1000,
  wsRateLimit: 120,
  authFailureLimit: 60,
  trustProxy: [],
  maxUnauthConnections: 4096,
  maxUnauthPerAddress: 256,
  maxPendingHellos: 1024,
};

export type ConfigResult<T> = { ok: true; config: T } | { ok: false; errors: string[] };

function convert(key: ConfigKey, raw: string): unknown {
  switch (key) {
    case 'port':
    case 'retentionDays':
    case 'pingIntervalMs':
    case 'webhookRateLimit':
    case 'wsRateLimit':
    case 'authFailureLimit':
    case 'maxUnauthConnections':
    case 'maxUnauthPerAddress':
    case 'maxPendingHellos':
      return /^\s*-?\d+\s*$/.test(raw) ? Number(raw) : raw;
    case 'allowedOrigins':
    case 'trustProxy':
      return raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    default:
      return raw;
  }
}

/** Tells a person how to set an option and, for the secret, how to make one. */
export function howToSet(doc: ConfigDoc): string {
  const how = `set ${doc.env} or pass ${doc.flag}`;
  return doc.key === 'secret' ? `${how} (generate one with: openssl rand -hex 32)` : how;
}

/**
 * Builds the config from already-split flags (`{ '--port': '8080' }`) and an environment.
 * Errors name the variable, the flag and what is wrong, so `serve` can print them as-is.
 */
export function loadConfig(flags: Record<string, string | undefined>, env: Record<string, string | undefined>): ConfigResult<RelayConfig> {
  return load(flags, env, CONFIG_DOCS.map((d) => d.key)) as ConfigResult<RelayConfig>;
}

/** Like loadConfig for a few keys only (the `token` command needs just the secret). */
export function loadConfigKeys<K extends ConfigKey>(
  flags: Record<string, string | undefined>,
  env: Record<string, string | undefined>,
  keys: readonly K[],
): ConfigResult<Pick<RelayConfig, K>> {
  return load(flags, env, keys) as ConfigResult<Pick<RelayConfig, K>>;
}

function load(flags: Record<string, string | undefined>, env: Record<string, string | undefined>, keys: readonly ConfigKey[]): ConfigResult<Partial<RelayConfig>> {
  const errors: string[] = [];
  const out: Record<string, unknown> = {};
  for (const doc of CONFIG_DOCS) {
    if (!keys.includes(doc.key)) continue;
    const value = flags[doc.flag] ?? env[doc.env] ?? doc.default;
    if ((value === undefined || value === '') && doc.default === undefined) {
      errors.push(`${doc.env} is required: ${howToSet(doc)}.`);
      continue;
    }
    const field = RelayConfigSchema.shape[doc.key];
    const parsed = field.safeParse(convert(doc.key, value ?? ''));
    if (parsed.success) out[doc.key] = parsed.data;
    else errors.push(`${doc.env} ${parsed.error.issues[0]?.message ?? 'is invalid'}: ${howToSet(doc)}.`);
  }
  return errors.length ? { ok: false, errors } : { ok: true, config: out };
}

/** `--help` text for the options. */
export function formatConfigDocs(): string {
  return CONFIG_DOCS.map((d) => {
    const def = d.default === undefined ? 'required' : d.default === '' ? 'default: empty' : `default: ${d.default}`;
    return `  ${d.flag.padEnd(20)} ${d.env.padEnd(26)} (${def})\n      ${d.description}`;
  }).join('\n');
}
