// `switchboard-relay doctor`: one line per check, what is wrong and what to do, exit 1 on any
// problem, never a secret. Real files and folders (a read-only one too), a real redis-server set up
// right, set up wrong, with CONFIG renamed, with a password, and one that is not there.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Check, runChecks } from '../src/doctor-cli';
import { cleanup, RELAY_CLI, startRelay, tempDir } from './helpers';
import { freePort, startRedis, type RedisUnderTest } from './redis-server';

afterEach(cleanup);
const SECRET = 's'.repeat(64);
const HOOK = 'w'.repeat(40);
const API_TOKEN = 'snapengage-api-token-do-not-print-0123';
const base = (dir: string): Record<string, string> => ({
  RELAY_SECRET: SECRET,
  SNAPENGAGE_WEBHOOK_TOKEN: HOOK,
  RELAY_DB: join(dir, 'state', 'relay.db'),
});
const find = (checks: Check[], name: string) => checks.filter((c) => c.name === name);

/**
 * Root may write anywhere: to find a read-only folder read-only, the test's doctor runs as root
 * without the capabilities that override file modes (setpriv, from util-linux). Any other user: as is.
 */
const SETPRIV = (process.env.PATH ?? '')
  .split(delimiter)
  .map((d) => join(d, 'setpriv'))
  .find((p) => existsSync(p));
const asUser: string[] | undefined =
  process.getuid?.() !== 0
    ? []
    : SETPRIV
      ? [SETPRIV, '--bounding-set=-dac_override,-dac_read_search,-fowner', '--inh-caps=-all']
      : undefined;

/** The CLI as IT runs it; `as` wraps the command (setpriv, to drop root's power over file modes). */
function doctor(env: Record<string, string>, wrap: string[] = []) {
  const argv = [...wrap, process.execPath, ...RELAY_CLI, 'doctor'];
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', env: { PATH: process.env.PATH!, ...env }, timeout: 30_000 });
  return { status: r.status, lines: r.stdout.trim().split('\n'), stderr: r.stderr };
}

describe('doctor: configuration and the SQLite database', () => {
  it('all well: ok lines and exit 0; once serve made the database, it says so', async () => {
    const dir = tempDir();
    const r = doctor(base(dir));
    expect(r.stderr).toBe('');
    expect(r.lines).toEqual([
      'ok       config: every setting is valid (SQLite mode)',
      `ok       database: ${join(dir, 'state', 'relay.db')} does not exist yet; serve creates it (0600, and its folders 0700 under ${dir})`,
      'ok       relay mode: off: agents set their status in SnapEngage with their own API token (SNAPENGAGE_API_TOKEN, SNAPENGAGE_ORG_ID not set)',
      "ok       metrics: GET /metrics on the relay's port 8787, to this machine only (no proxy in between)",
      'doctor: 0 problems, 0 warnings: serve should start',
    ]);
    expect(r.status).toBe(0);
    const t = await startRelay({ dbPath: join(dir, 'state', 'relay.db'), phoneSystemUrl: 'http://127.0.0.1:9/notices' });
    const running = await runChecks({}, { ...base(dir), PHONE_SYSTEM_URL: 'http://127.0.0.1:9/notices' });
    expect(find(running, 'database')).toEqual([
      { status: 'ok', name: 'database', message: expect.stringMatching(/relay\.db is writable \(\d+ kB, mode 600\)$/) },
    ]);
    expect(find(running, 'phone outbox')).toEqual([
      { status: 'ok', name: 'phone outbox', message: expect.stringMatching(/relay\.db\.phone-outbox is writable \(\d+ kB, mode 600\)$/) },
    ]);
    await t.close();
  });

  it('bad settings: one problem line each, what to do, no value echoed; exit 1', () => {
    const dir = tempDir();
    const env = { RELAY_DB: join(dir, 'relay.db'), SNAPENGAGE_WEBHOOK_TOKEN: 'too-short-secret-value', RELAY_PORT: 'http' };
    const r = doctor(env);
    expect(r.status).toBe(1);
    expect(r.lines.filter((l) => l.startsWith('problem  config: '))).toEqual([
      'problem  config: RELAY_PORT must be an integer: set RELAY_PORT or pass --port.',
      'problem  config: SNAPENGAGE_WEBHOOK_TOKEN must be at least 32 characters: set SNAPENGAGE_WEBHOOK_TOKEN or SNAPENGAGE_WEBHOOK_TOKEN_FILE (generate one with: openssl rand -hex 32).',
      'problem  config: RELAY_SECRET is required: set RELAY_SECRET or RELAY_SECRET_FILE (generate one with: openssl rand -hex 32).',
    ]);
    // The other checks still run: a bad secret does not hide the database's state.
    expect(r.lines.some((l) => l.startsWith('ok       database: '))).toBe(true);
    expect(r.lines.at(-1)).toBe('doctor: 3 problems, 0 warnings');
    expect(r.lines.join('\n')).not.toContain('too-short-secret-value');
  });

  it.skipIf(asUser === undefined)(
    `a read-only folder: the database cannot be created there, nor written when it exists; exit 1${asUser === undefined ? " — skipped: running as root without setpriv (util-linux), which this test needs to drop root's power over file modes" : ''}`,
    () => {
      const dir = tempDir();
      const empty = join(dir, 'empty');
      const full = join(dir, 'full');
      mkdirSync(empty);
      mkdirSync(full);
      writeFileSync(join(full, 'relay.db'), '', { mode: 0o600 });
      chmodSync(empty, 0o500);
      chmodSync(full, 0o500);
      try {
        const missing = doctor({ ...base(dir), RELAY_DB: join(empty, 'relay.db') }, asUser!);
        expect(missing.status).toBe(1);
        expect(missing.lines).toContain(
          `problem  database: ${join(empty, 'relay.db')} does not exist and cannot be created: the folder ${empty} is not writable by this user (uid 0): give the service's user write access, or set RELAY_DB to a folder it owns (the unit's StateDirectory)`.replace(
            'uid 0',
            `uid ${process.getuid?.()}`,
          ),
        );
        const existing = doctor({ ...base(dir), RELAY_DB: join(full, 'relay.db') }, asUser!);
        expect(existing.status).toBe(1);
        expect(existing.lines.find((l) => l.startsWith('problem  database: '))).toBe(
          `problem  database: ${join(full, 'relay.db')}: its folder ${full} is not writable by this user (uid ${process.getuid?.()}): give the service's user write access, or set RELAY_DB to a folder it owns (the unit's StateDirectory)`,
        );
      } finally {
        chmodSync(empty, 0o700);
        chmodSync(full, 0o700);
      }
    },
  );

  it('a file that is not a database, a world-readable one, a bad field map, a public listener without a proxy', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'notes.txt'), 'hello, not SQLite');
    writeFileSync(join(dir, 'map.json'), '{"conversationEvents": {"agent": 42}}');
    const checks = await runChecks(
      {},
      {
        ...base(dir),
        RELAY_DB: join(dir, 'notes.txt'),
        RELAY_ADAPTER_MAP: join(dir, 'map.json'),
        RELAY_HOST: '0.0.0.0',
      },
    );
    expect(find(checks, 'config')).toEqual([
      {
        status: 'problem',
        name: 'config',
        message: expect.stringMatching(/^RELAY_ADAPTER_MAP \(.*map\.json\) has a bad entry: .*: fix the file or unset RELAY_ADAPTER_MAP$/),
      },
    ]);
    expect(find(checks, 'database')).toEqual([
      {
        status: 'problem',
        name: 'database',
        message: `${join(dir, 'notes.txt')} is not an SQLite database: set RELAY_DB to the relay's database (or a new file)`,
      },
    ]);
    expect(find(checks, 'listen')).toEqual([
      { status: 'warning', name: 'listen', message: expect.stringMatching(/^RELAY_HOST 0\.0\.0\.0 reaches other machines/) },
    ]);

    const t = await startRelay({ dbPath: join(dir, 'open.db') });
    await t.close();
    chmodSync(join(dir, 'open.db'), 0o644);
    const open = await runChecks({}, { ...base(dir), RELAY_DB: join(dir, 'open.db') });
    expect(find(open, 'database')).toEqual([
      { status: 'warning', name: 'database', message: `${join(dir, 'open.db')} is readable by others (mode 644): chmod 600 it` },
    ]);
  });

  it("relay mode: half set is a problem; set without RELAY_PUBLIC_URL a warning; the account's token never printed", async () => {
    const dir = tempDir();
    const half = await runChecks({}, { ...base(dir), SNAPENGAGE_API_TOKEN: API_TOKEN });
    expect(find(half, 'relay mode')).toEqual([
      {
        status: 'problem',
        name: 'relay mode',
        message: 'SNAPENGAGE_API_TOKEN is set but SNAPENGAGE_ORG_ID is not: set both for relay mode, or neither',
      },
    ]);
    const on = { ...base(dir), SNAPENGAGE_API_TOKEN: API_TOKEN, SNAPENGAGE_ORG_ID: '6418107096367104' };
    const noUrl = await runChecks({}, on);
    expect(find(noUrl, 'relay mode').map((c) => c.status)).toEqual(['ok', 'warning']);
    expect(find(noUrl, 'relay mode')[0]!.message).toMatch(/^on: org 6418107096367104, Agent Status API at https:\/\/www\.snapengage\.com/);
    const r = doctor({ ...on, RELAY_PUBLIC_URL: 'https://relay.example.com' });
    expect(r.status).toBe(0);
    expect(r.lines.filter((l) => l.includes('relay mode'))).toHaveLength(1);
    expect(r.lines.join('\n')).not.toContain(API_TOKEN);
  });
});

describe('doctor: Redis', () => {
  let right: RedisUnderTest;
  let renamed: RedisUnderTest;
  beforeAll(async () => {
    [right, renamed] = await Promise.all([startRedis(), startRedis({ args: ['--rename-command', 'CONFIG', ''] })]);
  }, 60_000);
  afterAll(async () => {
    await right?.stop();
    await renamed?.stop();
  });
  const redisEnv = (url: string) => ({ ...base(tempDir()), RELAY_REDIS_URL: url });

  it('set up right (appendonly yes, appendfsync always): ok, exit 0, and no database check', () => {
    const r = doctor(redisEnv(`${right.url}/3`));
    expect(r.lines.slice(0, 3)).toEqual([
      'ok       config: every setting is valid (Redis mode)',
      expect.stringMatching(
        new RegExp(`^ok       redis: redis://127\\.0\\.0\\.1:${right.port}/3 answers and takes writes \\(Redis \\d+\\.\\d+\\.\\d+\\)$`),
      ),
      'ok       redis: appendonly yes, appendfsync always: every write is on disk before Redis answers',
    ]);
    expect(r.lines.some((l) => l.includes('database'))).toBe(false);
    expect(r.status).toBe(0);
  });

  it('set up wrong: appendfsync everysec, then appendonly no, each a problem with what to set; exit 1', async () => {
    const raw = new Redis(right.url);
    try {
      await raw.config('SET', 'appendfsync', 'everysec');
      const everysec = doctor(redisEnv(right.url));
      expect(everysec.status).toBe(1);
      expect(everysec.lines).toContain(
        'problem  redis: appendfsync is everysec: a Redis crash can lose the last writes, events already answered 200 among them; set appendfsync always in redis.conf (or CONFIG SET appendfsync always, then CONFIG REWRITE)',
      );
      await raw.config('SET', 'appendonly', 'no');
      const off = await runChecks({}, redisEnv(right.url));
      expect(find(off, 'redis').map((c) => c.status)).toEqual(['ok', 'problem']);
      expect(find(off, 'redis')[1]!.message).toMatch(/^appendonly is no: a Redis restart loses events already answered 200/);
    } finally {
      await raw.config('SET', 'appendonly', 'yes');
      await raw.config('SET', 'appendfsync', 'always');
      await raw.quit();
    }
    expect((await runChecks({}, redisEnv(right.url))).every((c) => c.status === 'ok')).toBe(true);
  });

  it('CONFIG renamed away: a warning that it cannot check, not a problem; exit 0', () => {
    const r = doctor(redisEnv(renamed.url));
    expect(r.lines).toContain(
      "warning  redis: CONFIG GET is refused (ERR unknown command 'config': renamed, disabled or not allowed, as managed services do), so appendonly and appendfsync cannot be checked here: make sure the server runs with appendonly yes and appendfsync always",
    );
    expect(r.lines.at(-1)).toBe('doctor: 0 problems, 1 warning: serve should start');
    expect(r.status).toBe(0);
  });

  it('not there, or wanting a password: a problem saying what to do; the password is never printed', async () => {
    const port = await freePort();
    const away = await runChecks({}, redisEnv(`redis://127.0.0.1:${port}`));
    expect(find(away, 'redis')).toEqual([
      {
        status: 'problem',
        name: 'redis',
        message: `cannot reach redis://127.0.0.1:${port} (connect ECONNREFUSED 127.0.0.1:${port}): start Redis, or fix RELAY_REDIS_URL`,
      },
    ]);
    const password = 'redis-password-never-printed-0123456789';
    const raw = new Redis(renamed.url);
    // CONFIG is renamed away on this one: the password comes with AUTH's own command.
    await raw.call('ACL', 'SETUSER', 'default', 'on', `>${password}`, 'allcommands', 'allkeys');
    await raw.quit();
    try {
      const without = doctor(redisEnv(renamed.url));
      expect(without.status).toBe(1);
      expect(without.lines.find((l) => l.startsWith('problem  redis: '))).toMatch(
        /^problem {2}redis: cannot reach redis:\/\/127\.0\.0\.1:\d+ \(NOAUTH Authentication required: put the password in RELAY_REDIS_URL \(redis:\/\/:password@host:port\) through the environment or RELAY_REDIS_URL_FILE\)/,
      );
      const file = join(tempDir(), 'redis-url');
      writeFileSync(file, `redis://:${password}@127.0.0.1:${renamed.port}/2\n`, { mode: 0o600 });
      const withIt = doctor({ ...base(tempDir()), RELAY_REDIS_URL_FILE: file });
      expect(withIt.lines[1]).toMatch(new RegExp(`^ok       redis: redis://127\\.0\\.0\\.1:${renamed.port}/2 answers and takes writes`));
      expect(`${withIt.lines.join('\n')}${withIt.stderr}${without.lines.join('\n')}`).not.toContain(password);
    } finally {
      const admin = new Redis(`redis://:${password}@127.0.0.1:${renamed.port}`);
      await admin.call('ACL', 'SETUSER', 'default', 'nopass');
      await admin.quit();
    }
  });
});
