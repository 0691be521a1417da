// `switchboard-relay doctor`: what `serve` would trip over, checked before it does, one line each
// and what to do about it. It reads the same flags and environment as serve and validates them the
// same way, then looks at what they point to: the database's folder and file (SQLite), or Redis
// (reachable, writable, appendonly yes + appendfsync always), and relay mode's settings. It changes
// nothing: no file is created or opened for writing (run as root, a file SQLite made would belong
// to root and lock the service's user out), and the only write is a short-lived key in Redis.
// Never a secret in its output: config errors name variables, never values; Redis is named by its
// host, port and database only.
import { accessSync, closeSync, constants, openSync, readSync, type Stats, statfsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { type ConfigKey, isLoopbackInterface, loadConfig, loadConfigKeys, type RelayConfig } from './config';
import { phoneOutboxPathFor } from './phone-outbox';
import { connectRedis, redisDurability } from './redis-store';
import { loadFieldMap } from './relay';
import { relayModeFrom } from './status-api-routes';

type CheckStatus = 'ok' | 'warning' | 'problem';
export interface Check {
  status: CheckStatus;
  /** What was checked: config, database, phone outbox, redis, relay mode, metrics, listen. */
  name: string;
  message: string;
}

export const DOCTOR_USAGE = `  switchboard-relay doctor [options]           check the configuration (as serve would), that the database
                                               folder and file are writable (SQLite) or that Redis answers,
                                               takes writes and runs with appendonly yes + appendfsync
                                               always, and relay mode's settings; one line per check, exit
                                               1 on any problem. Give it the service's environment; as
                                               root the file checks only catch a read-only file system
`;

/** Below this much free space, the database's disk is worth a warning (a day of a busy team's events is a few MB). */
const LOW_DISK_BYTES = 256 * 1024 * 1024;

type Env = Record<string, string | undefined>;

/** Every check, in the order printed. */
export async function runChecks(flags: Record<string, string>, env: Env): Promise<Check[]> {
  const checks: Check[] = [];
  const add = (status: CheckStatus, name: string, message: string) => checks.push({ status, name, message });
  const loaded = loadConfig(flags, env);
  // Each later check loads only what it needs, so one bad setting does not hide the others.
  const some = <K extends ConfigKey>(keys: readonly K[]) => {
    const r = loadConfigKeys(flags, env, keys);
    return r.ok ? r.config : undefined;
  };
  if (loaded.ok) {
    const mode = loaded.config.redisUrl ? 'Redis' : 'SQLite';
    let mapProblem: string | undefined;
    if (loaded.config.adapterMap) {
      try {
        loadFieldMap(loaded.config.adapterMap);
      } catch (err) {
        mapProblem = (err as Error).message.replace(/^invalid relay config: /, '');
      }
    }
    if (mapProblem) add('problem', 'config', `${mapProblem}: fix the file or unset RELAY_ADAPTER_MAP`);
    else add('ok', 'config', `every setting is valid (${mode} mode${loaded.config.adapterMap ? ', adapter field map loaded' : ''})`);
  } else for (const e of loaded.errors) add('problem', 'config', e);

  const storage = some(['dbPath', 'redisUrl', 'phoneSystemUrl'] as const);
  if (storage?.redisUrl) await checkRedis(storage.redisUrl, add);
  else if (storage) {
    checkDatabase(storage.dbPath, add);
    if (storage.phoneSystemUrl) checkFile('phone outbox', phoneOutboxPathFor(storage.dbPath), add);
  }
  checkRelayMode(
    some(['snapengageApiToken', 'snapengageOrgId', 'snapengageApiBase', 'snapengageStatusRequest', 'publicUrl'] as const),
    add,
  );
  const net = some(['host', 'port', 'trustProxy', 'metricsPort', 'metricsHost', 'metricsToken'] as const);
  if (net) checkNetwork(net, add);
  return checks;
}

/** Prints the checks, one line each, and a summary; resolves to the exit code (1 on any problem). */
export async function doctorCommand(flags: Record<string, string>, env: Env, out: (line: string) => void): Promise<number> {
  const checks = await runChecks(flags, env);
  for (const c of checks) out(`${c.status.padEnd(8)} ${c.name}: ${c.message}`);
  const problems = checks.filter((c) => c.status === 'problem').length;
  const warnings = checks.filter((c) => c.status === 'warning').length;
  out(
    `doctor: ${problems} problem${problems === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}${problems ? '' : ': serve should start'}`,
  );
  return problems ? 1 : 0;
}

type Add = (status: CheckStatus, name: string, message: string) => void;

/** What an error code means for a file the relay must write, and what to do. */
function writeAdvice(code: string | undefined, what: string): string {
  switch (code) {
    case 'EROFS':
      return `${what} is on a read-only file system (under systemd's ProtectSystem=strict everything is, except the unit's StateDirectory): set RELAY_DB to a path under /var/lib/switchboard-relay`;
    case 'EACCES':
    case 'EPERM':
      return `${what} is not writable by this user (uid ${process.getuid?.() ?? '?'}): give the service's user write access, or set RELAY_DB to a folder it owns (the unit's StateDirectory)`;
    case 'ENOTDIR':
      return `a part of the path to ${what} is a file, not a folder: fix RELAY_DB`;
    default:
      return `${what} cannot be written (${code ?? 'error'}): fix RELAY_DB`;
  }
}

const errCode = (err: unknown) => (err as NodeJS.ErrnoException).code;

/** The nearest folder on the way to `path` that exists (serve creates the rest, 0700). */
function nearestExisting(path: string): string {
  let dir = dirname(path);
  while (true) {
    try {
      statSync(dir);
      return dir;
    } catch {
      const up = dirname(dir);
      if (up === dir) return dir;
      dir = up;
    }
  }
}

/** A file the relay writes (and its folder, where SQLite adds -wal and -shm): there, or creatable. */
function checkFile(name: string, path: string, add: Add): boolean {
  const abs = resolve(path);
  let stat: Stats | undefined;
  try {
    stat = statSync(abs);
  } catch (err) {
    if (errCode(err) !== 'ENOENT') {
      add('problem', name, `${abs}: ${writeAdvice(errCode(err), 'it')}`);
      return false;
    }
  }
  if (!stat) {
    const dir = nearestExisting(abs);
    try {
      if (!statSync(dir).isDirectory()) throw Object.assign(new Error('not a folder'), { code: 'ENOTDIR' });
      accessSync(dir, constants.W_OK | constants.X_OK);
    } catch (err) {
      add('problem', name, `${abs} does not exist and cannot be created: ${writeAdvice(errCode(err), `the folder ${dir}`)}`);
      return false;
    }
    add(
      'ok',
      name,
      `${abs} does not exist yet; serve creates it (0600${dir === dirname(abs) ? '' : `, and its folders 0700 under ${dir}`})`,
    );
    return true;
  }
  if (!stat.isFile()) {
    add('problem', name, `${abs} is not a file: set RELAY_DB to a file's path`);
    return false;
  }
  for (const [what, p, mode] of [
    ['the file', abs, constants.R_OK | constants.W_OK],
    [`its folder ${dirname(abs)}`, dirname(abs), constants.W_OK | constants.X_OK],
  ] as const) {
    try {
      accessSync(p, mode);
    } catch (err) {
      add('problem', name, `${abs}: ${writeAdvice(errCode(err), what)}`);
      return false;
    }
  }
  for (const side of ['-wal', '-shm']) {
    try {
      accessSync(abs + side, constants.R_OK | constants.W_OK);
    } catch (err) {
      if (errCode(err) !== 'ENOENT') {
        add('problem', name, `${abs}${side}: ${writeAdvice(errCode(err), 'it')} (SQLite keeps it beside the database)`);
        return false;
      }
    }
  }
  if (stat.size > 0 && !isSqliteFile(abs)) {
    add('problem', name, `${abs} is not an SQLite database: set RELAY_DB to the relay's database (or a new file)`);
    return false;
  }
  // Visitors' names and questions are in it: the relay creates it 0600, an operator's copy may not be.
  if (stat.mode & 0o077) {
    add('warning', name, `${abs} is readable by others (mode ${(stat.mode & 0o777).toString(8)}): chmod 600 it`);
    return true;
  }
  add('ok', name, `${abs} is writable (${formatBytes(stat.size)}, mode ${(stat.mode & 0o777).toString(8)})`);
  return true;
}

function isSqliteFile(path: string): boolean {
  const head = Buffer.alloc(16);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, head, 0, 16, 0);
  } finally {
    closeSync(fd);
  }
  return head.toString('latin1') === 'SQLite format 3\0';
}

function checkDatabase(dbPath: string, add: Add): void {
  if (dbPath === ':memory:') {
    add('problem', 'database', 'RELAY_DB is :memory:: nothing would outlive a restart; set it to a file');
    return;
  }
  if (!checkFile('database', dbPath, add)) return;
  try {
    const { bavail, bsize } = statfsSync(nearestExisting(resolve(dbPath)));
    const free = bavail * bsize;
    if (free < LOW_DISK_BYTES) add('warning', 'disk', `${formatBytes(free)} free where the database is: events fail (503) when it is full`);
  } catch {
    // statfs is a nicety; the write checks above are what matters
  }
}

const formatBytes = (n: number) =>
  n >= 1024 ** 3 ? `${(n / 1024 ** 3).toFixed(1)} GB` : n >= 1024 ** 2 ? `${(n / 1024 ** 2).toFixed(1)} MB` : `${Math.ceil(n / 1024)} kB`;

/** `redis://host:port/db`, without user or password. */
function redisName(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname === '/' ? '' : u.pathname}`;
  } catch {
    return 'RELAY_REDIS_URL';
  }
}

async function checkRedis(url: string, add: Add): Promise<void> {
  const name = redisName(url);
  let redis: Awaited<ReturnType<typeof connectRedis>>;
  try {
    redis = await connectRedis(url, { commandTimeoutMs: 5000 });
  } catch (err) {
    add('problem', 'redis', `cannot reach ${name} (${redisError(err)}): start Redis, or fix RELAY_REDIS_URL`);
    return;
  }
  try {
    const version = /redis_version:(\S+)/.exec(await redis.info('server'))?.[1] ?? '?';
    // A replica, or an ACL without write rights, answers reads but refuses every webhook.
    const probe = `sb:doctor:${randomBytes(6).toString('hex')}`;
    await redis.set(probe, '1', 'PX', 10_000);
    await redis.del(probe);
    add('ok', 'redis', `${name} answers and takes writes (Redis ${version})`);
    const d = await redisDurability(redis);
    if ('refused' in d)
      add(
        'warning',
        'redis',
        `CONFIG GET is refused (${d.refused}: renamed, disabled or not allowed, as managed services do), so appendonly and appendfsync cannot be checked here: make sure the server runs with appendonly yes and appendfsync always`,
      );
    else if (d.appendonly !== 'yes')
      add(
        'problem',
        'redis',
        `appendonly is ${d.appendonly}: a Redis restart loses events already answered 200; set appendonly yes and appendfsync always in redis.conf (or CONFIG SET both, then CONFIG REWRITE)`,
      );
    else if (d.appendfsync !== 'always')
      add(
        'problem',
        'redis',
        `appendfsync is ${d.appendfsync}: a Redis crash can lose the last writes, events already answered 200 among them; set appendfsync always in redis.conf (or CONFIG SET appendfsync always, then CONFIG REWRITE)`,
      );
    else add('ok', 'redis', 'appendonly yes, appendfsync always: every write is on disk before Redis answers');
  } catch (err) {
    add('problem', 'redis', `${name}: ${redisError(err)}`);
  } finally {
    redis.disconnect();
  }
}

/** Redis's own words, with what to do for the usual ones; never the URL (it may hold the password). */
function redisError(err: unknown): string {
  const message = (err as Error).message ?? String(err);
  if (/NOAUTH|WRONGPASS/.test(message))
    return `${message.split(/[.:]/)[0]}: put the password in RELAY_REDIS_URL (redis://:password@host:port) through the environment or RELAY_REDIS_URL_FILE`;
  if (/READONLY/.test(message)) return 'READONLY: this is a replica; point RELAY_REDIS_URL at the primary';
  if (/NOPERM/.test(message)) return `${message.split('.')[0]}: the Redis user needs read and write rights on the relay's keys`;
  return message;
}

function checkRelayMode(
  config:
    | Pick<RelayConfig, 'snapengageApiToken' | 'snapengageOrgId' | 'snapengageApiBase' | 'snapengageStatusRequest' | 'publicUrl'>
    | undefined,
  add: Add,
): void {
  // Settings that do not load are already a config problem above.
  if (!config) return;
  let mode: ReturnType<typeof relayModeFrom>;
  try {
    mode = relayModeFrom(config as RelayConfig);
  } catch (err) {
    add('problem', 'relay mode', (err as Error).message.replace(/^invalid relay config: /, ''));
    return;
  }
  if (!mode) {
    add(
      'ok',
      'relay mode',
      'off: agents set their status in SnapEngage with their own API token (SNAPENGAGE_API_TOKEN, SNAPENGAGE_ORG_ID not set)',
    );
    return;
  }
  add(
    'ok',
    'relay mode',
    `on: org ${mode.summary.orgId}, Agent Status API at ${mode.summary.apiBase}, request ${mode.summary.statusRequest === 'inferred' ? 'as inferred' : 'from SNAPENGAGE_STATUS_REQUEST'} (the token is checked by SnapEngage at the first status change: a refusal is logged and counted in relay_snapengage_rejected_total)`,
  );
  if (!config.publicUrl)
    add(
      'warning',
      'relay mode',
      'RELAY_PUBLIC_URL is not set: token --setup-code and --csv cannot make setup codes (agents then paste the relay URL and a token); set it to the https:// URL agents reach the relay at',
    );
}

function checkNetwork(
  config: Pick<RelayConfig, 'host' | 'port' | 'trustProxy' | 'metricsPort' | 'metricsHost' | 'metricsToken'>,
  add: Add,
): void {
  if (!isLoopbackInterface(config.host) && config.trustProxy.length === 0)
    add(
      'warning',
      'listen',
      `RELAY_HOST ${config.host} reaches other machines, and RELAY_TRUST_PROXY is empty: the relay speaks plain HTTP, so put a TLS proxy in front (docs/deploy.md) and name it in RELAY_TRUST_PROXY, or every client shares the proxy's address in the per-address limits`,
    );
  const where =
    config.metricsPort === null ? `on the relay's port ${config.port}` : `on its own port ${config.metricsHost}:${config.metricsPort}`;
  add(
    'ok',
    'metrics',
    `GET /metrics ${where}, ${config.metricsToken ? 'with RELAY_METRICS_TOKEN' : config.metricsPort === null ? 'to this machine only (no proxy in between)' : 'without a token'}`,
  );
}
