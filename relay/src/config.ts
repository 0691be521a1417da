// Relay configuration: command-line flags win over environment variables, which win over
// defaults. CONFIG_DOCS is the single list of options; `--help` and the README print it.
// Secrets have no flag (ps and shell history keep arguments): they come from the environment or
// from a file named by `<VAR>_FILE`, the Docker/systemd credentials convention.
import { readFileSync } from 'node:fs';
import * as z from 'zod/mini';
import { MAX_SUBSTATUS_LENGTH } from '@switchboard/protocol/status-api';
import { trustEntryError } from './client-limits';
import { statusRequestProblem } from './snapengage/agent-status-client';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
/** PHONE_CALL_SYNC: `auto` is on exactly when relay mode and the phone webhook are both configured. */
const PHONE_CALL_SYNC_MODES = ['auto', 'on', 'off'] as const;

const port = z.int('must be an integer').check(z.minimum(0, 'must be 0..65535'), z.maximum(65_535, 'must be 0..65535'));
const positiveInt = z.int('must be an integer').check(z.positive('must be positive'));
/** Shared secrets must be hard to guess: the same floor as RELAY_SECRET (openssl rand -hex 32 gives 64). */
const MIN_SECRET_LENGTH = 32;
const longSecret = z.string().check(z.minLength(MIN_SECRET_LENGTH, `must be at least ${MIN_SECRET_LENGTH} characters`));
const optionalLongSecret = z
  .string()
  .check(z.refine((s) => s === '' || s.length >= MIN_SECRET_LENGTH, `must be empty (off) or at least ${MIN_SECRET_LENGTH} characters`));

const parseUrl = (s: string) => (URL.canParse(s) ? new URL(s) : undefined);
/** 127.0.0.0/8, ::1, localhost: traffic that never leaves the machine. URL has already normalised the spelling. */
const isLoopbackHost = (hostname: string) => hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
/**
 * Visitors' chats and the bearer token go there: https, or plain http to this machine only (a
 * local bridge, tests). Credentials in the URL would end up in logs and proxies: the token goes in
 * PHONE_SYSTEM_TOKEN. The messages never quote the URL.
 */
const phoneSystemUrl = z.string().check(
  z.refine((s) => s === '' || /^https?:$/.test(parseUrl(s)?.protocol ?? ''), 'must be empty or an https:// URL'),
  z.refine(
    (s) => s === '' || !parseUrl(s) || (!parseUrl(s)!.username && !parseUrl(s)!.password),
    'must not carry user:password (send a token with PHONE_SYSTEM_TOKEN)',
  ),
  z.refine((s) => {
    const u = s === '' ? undefined : parseUrl(s);
    return u?.protocol !== 'http:' || isLoopbackHost(u.hostname);
  }, 'must be https:// (plain http:// only to 127.0.0.0/8, [::1] or localhost)'),
);

/** An origin for the account's API token: https, or plain http to this machine only (the sandbox, tests). */
const snapengageApiBase = z.string().check(
  z.refine((s) => /^https?:$/.test(parseUrl(s)?.protocol ?? ''), 'must be an https:// URL'),
  z.refine((s) => !parseUrl(s) || (!parseUrl(s)!.username && !parseUrl(s)!.password), 'must not carry user:password'),
  z.refine((s) => {
    const u = parseUrl(s);
    return u?.protocol !== 'http:' || isLoopbackHost(u.hostname);
  }, 'must be https:// (plain http:// only to 127.0.0.0/8, [::1] or localhost)'),
  z.refine((s) => {
    const u = parseUrl(s);
    return !u || (u.pathname === '/' && !u.search && !u.hash);
  }, "must be an origin such as https://www.snapengage.com, without a path (the path is SNAPENGAGE_STATUS_REQUEST's)"),
);
/** Where agents reach the relay; setup codes carry its websocket URL, so the same rule as theirs (isSafeRelayUrl). */
const publicUrl = z.string().check(
  z.refine((s) => s === '' || /^(https|wss|http|ws):$/.test(parseUrl(s)?.protocol ?? ''), 'must be empty or an https:// URL'),
  z.refine(
    (s) => s === '' || !parseUrl(s) || (!parseUrl(s)!.username && !parseUrl(s)!.password && !parseUrl(s)!.search && !parseUrl(s)!.hash),
    'must not carry user:password, a query or a fragment',
  ),
  z.refine((s) => {
    const u = s === '' ? undefined : parseUrl(s);
    return !u || u.protocol === 'https:' || u.protocol === 'wss:' || isLoopbackHost(u.hostname);
  }, 'must be https:// (plain http:// only to 127.0.0.0/8, [::1] or localhost)'),
);

export const RelayConfigSchema = z.object({
  port,
  host: z.string().check(z.minLength(1, 'must not be empty')),
  dbPath: z.string().check(z.minLength(1, 'must not be empty')),
  webhookToken: longSecret,
  secret: longSecret,
  retentionDays: positiveInt,
  pingIntervalMs: z.int('must be an integer').check(z.minimum(1000, 'must be at least 1000')),
  allowedOrigins: z.array(z.string()),
  logLevel: z.enum(LOG_LEVELS, `must be one of ${LOG_LEVELS.join(', ')}`),
  phoneWebhookToken: optionalLongSecret,
  phoneSystemUrl,
  phoneSystemToken: z.string(),
  redisUrl: z.string().check(z.refine((s) => s === '' || /^rediss?:\/\//.test(s), 'must be empty or a redis:// / rediss:// URL')),
  webhookRateLimit: z.int('must be an integer').check(z.minimum(0, 'must be 0 (off) or more')),
  wsRateLimit: z.int('must be an integer').check(z.minimum(0, 'must be 0 (off) or more')),
  adapterMap: z.string(),
  authFailureLimit: z.int('must be an integer').check(z.minimum(0, 'must be 0 (off) or more')),
  trustProxy: z.array(z.string()).check(
    z.refine((list) => list.every((e) => !trustEntryError(e)), {
      error: (i) => `has ${(i.input as string[]).map(trustEntryError).find(Boolean)}`,
    }),
  ),
  maxUnauthConnections: positiveInt,
  maxUnauthPerAddress: positiveInt,
  maxPendingHellos: positiveInt,
  snapengageApiToken: z
    .string()
    .check(z.refine((s) => s === '' || s.length >= 8, 'must be empty (relay mode off) or at least 8 characters')),
  snapengageOrgId: z.string().check(z.regex(/^(\d{1,30})?$/, 'must be empty or digits (the number in /api/v2/<org id>/)')),
  snapengageApiBase,
  snapengageStatusRequest: z.string().check(
    z.superRefine((text, ctx) => {
      const problem = text === '' ? undefined : statusRequestProblem(text);
      if (problem) ctx.issues.push({ code: 'custom', message: problem, input: text });
    }),
  ),
  publicUrl,
  statusRateLimit: z.int('must be an integer').check(z.minimum(0, 'must be 0 (off) or more')),
  phoneCallSync: z.enum(PHONE_CALL_SYNC_MODES, `must be one of ${PHONE_CALL_SYNC_MODES.join(', ')}`),
  phoneCallSubstatus: z
    .string()
    .check(
      z.refine(
        (s) => s.trim().length > 0 && s.length <= MAX_SUBSTATUS_LENGTH,
        `must be 1 to ${MAX_SUBSTATUS_LENGTH} characters (the pause reason SnapEngage shows)`,
      ),
    ),
  metricsPort: z.nullable(port),
  metricsHost: z.string().check(z.minLength(1, 'must not be empty')),
  metricsToken: optionalLongSecret,
  boardDir: z.string(),
});
export type RelayConfig = z.infer<typeof RelayConfigSchema>;
export type ConfigKey = keyof RelayConfig;

export interface ConfigDoc {
  key: ConfigKey;
  env: string;
  /** Absent for secrets: see SECRET_FLAGS. */
  flag?: string;
  /** Also read from the file `<env>_FILE` names (a secret, or a URL that may carry one). */
  file?: boolean;
  /** Printed as-is; `undefined` means required. */
  default: string | undefined;
  description: string;
}

export const CONFIG_DOCS: readonly ConfigDoc[] = [
  {
    key: 'port',
    env: 'RELAY_PORT',
    flag: '--port',
    default: '8787',
    description: 'TCP port for HTTP and websockets (0 = pick a free one).',
  },
  {
    key: 'host',
    env: 'RELAY_HOST',
    flag: '--host',
    default: '127.0.0.1',
    description: 'Interface to listen on. Loopback by default so a fresh install is not exposed; use 0.0.0.0 behind a TLS proxy.',
  },
  {
    key: 'dbPath',
    env: 'RELAY_DB',
    flag: '--db',
    default: './data/relay.db',
    description:
      "SQLite file for the event log (created 0600, its folder 0700 when missing; so are the -wal, -shm and phone outbox files). A new file starts a new generation. Not used with RELAY_REDIS_URL: then nothing is kept on the relay's own disk.",
  },
  {
    key: 'webhookToken',
    env: 'SNAPENGAGE_WEBHOOK_TOKEN',
    file: true,
    default: undefined,
    description:
      'The Authentication Token configured in SnapEngage for both webhooks, at least 32 characters (generate: openssl rand -hex 32). Required for serve.',
  },
  {
    key: 'secret',
    env: 'RELAY_SECRET',
    file: true,
    default: undefined,
    description: 'HMAC key for relay tokens, at least 32 characters (generate: openssl rand -hex 32). Changing it invalidates every token.',
  },
  {
    key: 'retentionDays',
    env: 'RELAY_RETENTION_DAYS',
    flag: '--retention-days',
    default: '7',
    description: 'Events older than this are pruned (at start and hourly).',
  },
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
    file: true,
    default: '',
    description:
      'Token the phone system sends (Authorization: <token> or Bearer <token>) with POST /phone/call-events, at least 32 characters (generate: openssl rand -hex 32). Empty = that endpoint is off (404). See docs/phone-sync.md.',
  },
  {
    key: 'phoneSystemUrl',
    env: 'PHONE_SYSTEM_URL',
    flag: '--phone-system-url',
    default: '',
    description:
      'https URL the relay POSTs chat-started / chat-ended notices to (retried until a 2xx, up to 24 h; queued in <db>.phone-outbox, or in Redis with RELAY_REDIS_URL, where any relay process sends them); plain http only to 127.0.0.0/8, [::1] or localhost; no user:password in it. Empty = no notices.',
  },
  {
    key: 'phoneSystemToken',
    env: 'PHONE_SYSTEM_TOKEN',
    file: true,
    default: '',
    description: 'Sent as Authorization: Bearer <token> with each notice to PHONE_SYSTEM_URL. Empty = no Authorization header.',
  },
  {
    key: 'redisUrl',
    env: 'RELAY_REDIS_URL',
    flag: '--redis-url',
    file: true,
    default: '',
    description:
      'redis://[:password@]host:port[/db]: keep events in Redis (a stream per agent) and fan them out across relay processes, so several relays can share one team behind a load balancer. Run Redis with appendonly yes + appendfsync always. A URL with a password only from the environment or the file, never --redis-url. Empty = the SQLite file (--db).',
  },
  {
    key: 'webhookRateLimit',
    env: 'RELAY_WEBHOOK_RATE_LIMIT',
    flag: '--webhook-rate-limit',
    default: '1000',
    description:
      "Authenticated webhook requests per second per endpoint (SnapEngage's two, the phone's; bursts up to 5 s worth), whoever sends them; above it: 429 with Retry-After. Checked after the token, so other callers cannot use it up. Per relay process (N processes allow N times it). 0 = no limit.",
  },
  {
    key: 'wsRateLimit',
    env: 'RELAY_WS_RATE_LIMIT',
    flag: '--ws-rate-limit',
    default: '120',
    description:
      'Websocket connections per minute per relay token (bursts up to the same number); above it the socket is closed with 4429. Per relay process. 0 = no limit.',
  },
  {
    key: 'adapterMap',
    env: 'RELAY_ADAPTER_MAP',
    flag: '--adapter-map',
    default: '',
    description:
      'JSON file telling the webhook adapter where to find fields in a body shape it does not know (JSON pointers or dotted paths, tried before the built-in spellings); checked at start, the relay refuses to start on a bad entry. Empty = built-in spellings only. See docs/relay-protocol.md.',
  },
  {
    key: 'authFailureLimit',
    env: 'RELAY_AUTH_FAILURE_LIMIT',
    flag: '--auth-failure-limit',
    default: '60',
    description:
      'Failed attempts per minute per client address (bursts up to the same number), counted apart for HTTP (wrong or missing webhook, phone or relay tokens: then 429 with Retry-After instead of 401; a valid token is never held back) and for websockets (hellos that fail or never come, upgrades to unknown paths: then upgrades from that address are refused with 429). Per relay process. 0 = no limit.',
  },
  {
    key: 'trustProxy',
    env: 'RELAY_TRUST_PROXY',
    flag: '--trust-proxy',
    default: '',
    description:
      "Comma-separated addresses or CIDRs (IPv4, IPv6) of your reverse proxies. Only for connections from these is the client address read from X-Forwarded-For (the rightmost hop that is not one of them); set it behind a proxy, or every client shares the proxy's address in the per-address limits. Empty = X-Forwarded-For is ignored.",
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
    description:
      "The same per client address (IPv6 per /64); beyond it: 429 and closed. A trusted proxy's connections count under the client they forward for (websockets).",
  },
  {
    key: 'maxPendingHellos',
    env: 'RELAY_MAX_PENDING_HELLOS',
    flag: '--max-pending-hellos',
    default: '1024',
    description: 'Websockets waiting for their hello (each has 10 s to send it). Beyond it a websocket upgrade is answered 503 and closed.',
  },
  {
    key: 'snapengageApiToken',
    env: 'SNAPENGAGE_API_TOKEN',
    file: true,
    default: '',
    description:
      "Relay mode: the account's SnapEngage API token (Settings → API), kept here so that no agent holds it. With SNAPENGAGE_ORG_ID set too, an extension asks POST /api/status to set its own agent's status and the relay calls SnapEngage. Empty = relay mode off (POST /api/status answers 404; agents use direct mode). See docs/relay-protocol.md.",
  },
  {
    key: 'snapengageOrgId',
    env: 'SNAPENGAGE_ORG_ID',
    flag: '--snapengage-org-id',
    default: '',
    description: 'Relay mode: the SnapEngage organisation id (digits). Set with SNAPENGAGE_API_TOKEN, or neither.',
  },
  {
    key: 'snapengageApiBase',
    env: 'SNAPENGAGE_API_BASE',
    flag: '--snapengage-api-base',
    default: 'https://www.snapengage.com',
    description:
      'Relay mode: where the Agent Status API is, an https:// origin (plain http:// only to 127.0.0.0/8, [::1] or localhost: the sandbox).',
  },
  {
    key: 'snapengageStatusRequest',
    env: 'SNAPENGAGE_STATUS_REQUEST',
    flag: '--snapengage-status-request',
    default: '',
    description:
      'Relay mode: JSON overriding the inferred Agent Status request, any of {"path": "/api/v2/{orgId}/agent/status", "agentField": "agentId", "statusField": "status", "substatusField": "substatus", "auth": "bare" | "bearer"} (the defaults shown); checked at start. Empty = the inferred request.',
  },
  {
    key: 'publicUrl',
    env: 'RELAY_PUBLIC_URL',
    flag: '--public-url',
    default: '',
    description:
      'The https:// URL agents reach the relay at (https://relay.example.com, a path prefix allowed). token --setup-code and --csv put its websocket URL (wss://…/ws) in each setup code. Empty = no setup codes.',
  },
  {
    key: 'statusRateLimit',
    env: 'RELAY_STATUS_RATE_LIMIT',
    flag: '--status-rate-limit',
    default: '30',
    description:
      'Relay mode: status changes per agent per minute (bursts up to 10) the relay passes to SnapEngage; above it POST /api/status answers 429 with Retry-After. Per relay process (N processes allow N times it). 0 = no limit.',
  },
  {
    key: 'metricsPort',
    env: 'RELAY_METRICS_PORT',
    flag: '--metrics-port',
    default: '',
    description:
      'Serve GET /metrics on a port of its own (0 = pick a free one), at RELAY_METRICS_HOST, and no longer on RELAY_PORT (404 there). Empty = /metrics on RELAY_PORT, answered only to a caller on this machine (a loopback address) whose request did not come through a proxy (no X-Forwarded-For, Forwarded or X-Real-IP), or to RELAY_METRICS_TOKEN.',
  },
  {
    key: 'metricsHost',
    env: 'RELAY_METRICS_HOST',
    flag: '--metrics-host',
    default: '127.0.0.1',
    description:
      'Interface for RELAY_METRICS_PORT. Loopback by default; any other address needs RELAY_METRICS_TOKEN (the relay refuses to start without it).',
  },
  {
    key: 'metricsToken',
    env: 'RELAY_METRICS_TOKEN',
    file: true,
    default: '',
    description:
      'Bearer token for GET /metrics (Authorization: Bearer <token>; Prometheus: authorization.credentials_file), at least 32 characters (generate: openssl rand -hex 32). When set, every /metrics request needs it, on either port; a wrong one counts as a failed attempt. Empty = no token: /metrics only from this machine (see RELAY_METRICS_PORT).',
  },
  {
    key: 'boardDir',
    env: 'RELAY_BOARD_DIR',
    flag: '--board-dir',
    default: '',
    description:
      "Folder holding the team board's built page (index.html, app.js, app.css), served at /board. Empty = the page shipped with the relay (dist/board beside dist/cli.js; relay/dist/board when run from the sources, after npm run build -w relay); without it /board answers 503.",
  },
  {
    key: 'phoneCallSync',
    env: 'PHONE_CALL_SYNC',
    flag: '--phone-call-sync',
    default: 'auto',
    description:
      "Who applies phone calls to the agent's status. on: the relay itself (server to server, also with the agent's browser closed): a call pauses the agent at SnapEngage with PHONE_CALL_SUBSTATUS, its end puts them back online if the call paused them and nothing changed their status meanwhile; needs relay mode (SNAPENGAGE_API_TOKEN, SNAPENGAGE_ORG_ID) and PHONE_WEBHOOK_TOKEN. off: the relay forwards each call to the agent's extension, which does it (direct mode's way). auto: on when both are configured, off otherwise. See docs/phone-sync.md.",
  },
  {
    key: 'phoneCallSubstatus',
    env: 'PHONE_CALL_SUBSTATUS',
    flag: '--phone-call-substatus',
    default: 'On a call',
    description:
      'The pause reason (1 to 60 characters) the relay sets while an agent is on a call, with PHONE_CALL_SYNC on. With it off, the extension uses its own call reason.',
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
  adapterMap: '',
  authFailureLimit: 60,
  trustProxy: [],
  maxUnauthConnections: 4096,
  maxUnauthPerAddress: 256,
  maxPendingHellos: 1024,
  snapengageApiToken: '',
  snapengageOrgId: '',
  snapengageApiBase: 'https://www.snapengage.com',
  snapengageStatusRequest: '',
  publicUrl: '',
  statusRateLimit: 30,
  phoneCallSync: 'auto',
  phoneCallSubstatus: 'On a call',
  metricsPort: null,
  metricsHost: '127.0.0.1',
  metricsToken: '',
  boardDir: '',
};

/**
 * Whether the relay applies phone calls to agents' statuses itself (PHONE_CALL_SYNC). It needs both
 * relay mode (the account's API token and org id) and the phone webhook; `on` without them stops
 * the start, naming what is missing, rather than leave calls applied by nobody.
 */
export function phoneCallSyncOn(
  config: Pick<RelayConfig, 'phoneCallSync' | 'phoneWebhookToken' | 'snapengageApiToken' | 'snapengageOrgId'>,
): boolean {
  const missing = [
    ...(config.snapengageApiToken && config.snapengageOrgId ? [] : ['relay mode (SNAPENGAGE_API_TOKEN and SNAPENGAGE_ORG_ID)']),
    ...(config.phoneWebhookToken ? [] : ['PHONE_WEBHOOK_TOKEN']),
  ];
  if (config.phoneCallSync === 'off') return false;
  if (config.phoneCallSync === 'auto') return missing.length === 0;
  if (missing.length)
    throw new Error(
      `invalid relay config: PHONE_CALL_SYNC is on but ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set`,
    );
  return true;
}

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
    case 'statusRateLimit':
      return /^\s*-?\d+\s*$/.test(raw) ? Number(raw) : raw;
    case 'metricsPort':
      return raw.trim() === '' ? null : /^\s*-?\d+\s*$/.test(raw) ? Number(raw) : raw;
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

/** The secrets we choose ourselves: an error about one says how to make one. */
const GENERATED: readonly ConfigKey[] = ['secret', 'webhookToken', 'phoneWebhookToken', 'metricsToken'];

/** The flags secrets had once, refused with a pointer to the environment or the file. */
export const SECRET_FLAGS: Readonly<Record<string, ConfigKey>> = {
  '--secret': 'secret',
  '--webhook-token': 'webhookToken',
  '--phone-webhook-token': 'phoneWebhookToken',
  '--phone-system-token': 'phoneSystemToken',
};

const docOf = (key: ConfigKey) => CONFIG_DOCS.find((d) => d.key === key)!;

/** Tells a person how to set an option and, for a secret we choose, how to make one. */
function howToSet(doc: ConfigDoc): string {
  const vars = doc.file ? `${doc.env} or ${doc.env}_FILE` : doc.env;
  const how = doc.flag ? `set ${vars}${doc.file ? ',' : ''} or pass ${doc.flag}` : `set ${vars}`;
  return GENERATED.includes(doc.key) ? `${how} (generate one with: openssl rand -hex 32)` : how;
}

/** Why a flag that would carry a secret is refused, and what to do instead. */
export function secretFlagRefusal(flag: string): string | undefined {
  const key = Object.hasOwn(SECRET_FLAGS, flag) ? SECRET_FLAGS[flag] : undefined;
  if (!key) return undefined;
  return `${flag} is not accepted: ps and shell history keep command-line arguments, so secrets come only from the environment: ${howToSet(docOf(key))}.`;
}

/** `scheme://user:pass@host`: any user info counts (a URL that does not parse is judged by its text). */
const hasCredentials = (url: string) => /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i.test(url.trim());

/** What an unreadable file's error code means, without its message (which names the path). */
const READ_ERRORS: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EISDIR: 'it is a folder',
  ENOTDIR: 'a part of the path is not a folder',
};

type Raw = { value: string | undefined; from: string } | { error: string };

/**
 * Where an option's text comes from: the flag, the variable, or the file `<VAR>_FILE` names (its
 * trailing newlines dropped, as `echo` and editors leave one). Errors never quote a value nor the
 * file's path: someone who mixes up X and X_FILE puts the secret in the path.
 */
function rawValue(doc: ConfigDoc, flags: Record<string, string | undefined>, env: Record<string, string | undefined>): Raw {
  const flag = doc.flag === undefined ? undefined : flags[doc.flag];
  if (flag !== undefined) {
    if (doc.file && hasCredentials(flag))
      return {
        error: `${doc.flag} must not carry a password (ps and shell history keep arguments): set ${doc.env} or ${doc.env}_FILE instead.`,
      };
    return { value: flag, from: doc.env };
  }
  const fileVar = `${doc.env}_FILE`;
  const path = doc.file ? env[fileVar] : undefined;
  if (!path) return { value: env[doc.env], from: doc.env };
  if (env[doc.env]) return { error: `${doc.env} and ${fileVar} are both set: set only one of them.` };
  try {
    return { value: readFileSync(path, 'utf8').replace(/[\r\n]+$/, ''), from: fileVar };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    return { error: `${fileVar} names a file that cannot be read (${READ_ERRORS[code] ?? code}): ${howToSet(doc)}.` };
  }
}

/** An interface only this machine reaches (for RELAY_METRICS_HOST, given as an address or a name, unbracketed). */
export const isLoopbackInterface = (host: string) =>
  host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host) || /^::ffff:127\.\d+\.\d+\.\d+$/i.test(host);

/**
 * What no single setting shows, only two together; each message says what to do. loadConfig and
 * createRelay both refuse them, so the CLI and an in-process relay agree.
 */
export function crossFieldProblems(config: Pick<RelayConfig, 'metricsPort' | 'metricsHost' | 'metricsToken'>): string[] {
  const problems: string[] = [];
  if (config.metricsPort !== null && !config.metricsToken && !isLoopbackInterface(config.metricsHost))
    problems.push(
      'RELAY_METRICS_HOST is not a loopback address, and RELAY_METRICS_TOKEN is not set: anyone who reaches that interface would read /metrics. Set RELAY_METRICS_TOKEN or RELAY_METRICS_TOKEN_FILE (generate one with: openssl rand -hex 32), or keep RELAY_METRICS_HOST on 127.0.0.1.',
    );
  return problems;
}

/**
 * Builds the config from already-split flags (`{ '--port': '8080' }`) and an environment.
 * Errors name the variable, the flag and what is wrong, so `serve` can print them as-is.
 */
export function loadConfig(flags: Record<string, string | undefined>, env: Record<string, string | undefined>): ConfigResult<RelayConfig> {
  const loaded = load(
    flags,
    env,
    CONFIG_DOCS.map((d) => d.key),
  ) as ConfigResult<RelayConfig>;
  if (!loaded.ok) return loaded;
  const problems = crossFieldProblems(loaded.config);
  return problems.length ? { ok: false, errors: problems } : loaded;
}

/** Like loadConfig for a few keys only (the `token` command needs just the secret). */
export function loadConfigKeys<K extends ConfigKey>(
  flags: Record<string, string | undefined>,
  env: Record<string, string | undefined>,
  keys: readonly K[],
): ConfigResult<Pick<RelayConfig, K>> {
  return load(flags, env, keys) as ConfigResult<Pick<RelayConfig, K>>;
}

function load(
  flags: Record<string, string | undefined>,
  env: Record<string, string | undefined>,
  keys: readonly ConfigKey[],
): ConfigResult<Partial<RelayConfig>> {
  const errors: string[] = [];
  const out: Record<string, unknown> = {};
  for (const doc of CONFIG_DOCS) {
    if (!keys.includes(doc.key)) continue;
    const raw = rawValue(doc, flags, env);
    if ('error' in raw) {
      errors.push(raw.error);
      continue;
    }
    const value = raw.value ?? doc.default;
    if ((value === undefined || value === '') && doc.default === undefined) {
      errors.push(
        raw.from === doc.env ? `${doc.env} is required: ${howToSet(doc)}.` : `${raw.from} names an empty file: ${howToSet(doc)}.`,
      );
      continue;
    }
    const field = RelayConfigSchema.shape[doc.key];
    const parsed = field.safeParse(convert(doc.key, value ?? ''));
    if (parsed.success) out[doc.key] = parsed.data;
    else errors.push(`${raw.from} ${parsed.error.issues[0]?.message ?? 'is invalid'}: ${howToSet(doc)}.`);
  }
  return errors.length ? { ok: false, errors } : { ok: true, config: out };
}

/** `--help` text for the options. */
export function formatConfigDocs(): string {
  const lines = CONFIG_DOCS.map((d) => {
    const def = d.default === undefined ? 'required' : d.default === '' ? 'default: empty' : `default: ${d.default}`;
    const vars = d.file ? `${d.env} or ${d.env}_FILE` : d.env;
    return `  ${(d.flag ?? '(no flag)').padEnd(20)} ${vars.padEnd(26)} (${def})\n      ${d.description}`;
  });
  return [
    ...lines,
    '',
    '  Secrets have no flag (ps and shell history keep arguments): set them in the environment, or put',
    '  each in a file and name it in <VARIABLE>_FILE (Docker/systemd credentials); a trailing newline',
    '  in the file is ignored. Setting both <VARIABLE> and <VARIABLE>_FILE is an error.',
  ].join('\n');
}
