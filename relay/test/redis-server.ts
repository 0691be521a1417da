// A throw-away redis-server for tests: found on PATH (or REDIS_SERVER_PATH), or Debian's
// package installed via apt when running as root (CI). Started on a free loopback port in a
// temporary directory with the append-only file on (fsync on every write), stopped afterwards.
//
//   const redis = await startRedis();   // { url, port, dir, pid, stop(), kill(), restart() }
//   ...
//   await redis.stop();
//
// As a script: `node --import tsx relay/test/redis-server.ts` starts one and prints its URL until Ctrl-C.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

const REDIS_HELP =
  'redis-server was not found. Install it (Debian/Ubuntu: `sudo apt-get install -y redis-server`) or set REDIS_SERVER_PATH to its path. ' +
  'Running as root, the test scripts install it themselves.';

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter).concat(['/usr/bin', '/usr/sbin', '/usr/local/bin'])) {
    if (!dir) continue;
    const p = join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // next
    }
  }
  return undefined;
}

/** The redis-server binary, installing Debian's package when root and it is missing. */
function findRedisServer({ install = true } = {}): string | undefined {
  const explicit = process.env.REDIS_SERVER_PATH;
  if (explicit) return explicit;
  const found = onPath('redis-server');
  if (found || !install) return found;
  if (process.getuid?.() !== 0 || !onPath('apt-get')) return undefined;
  process.stderr.write('redis: redis-server missing; installing Debian package redis-server (apt-get)…\n');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  spawnSync('apt-get', ['update'], { stdio: 'inherit', env });
  const r = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'redis-server'], { stdio: 'inherit', env });
  if (r.status !== 0) return undefined;
  return onPath('redis-server');
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect(port, '127.0.0.1');
    sock.once('connect', () => {
      // A real PING: the port can accept before Redis has loaded its AOF.
      sock.write('PING\r\n');
      sock.once('data', (d) => {
        sock.destroy();
        resolve(String(d).startsWith('+PONG'));
      });
    });
    sock.once('error', () => resolve(false));
    setTimeout(() => {
      sock.destroy();
      resolve(false);
    }, 1000).unref();
  });
}

export interface RedisUnderTest {
  url: string;
  port: number;
  dir: string;
  readonly pid: number | undefined;
  /** Graceful stop (SHUTDOWN via SIGTERM), then removes the directory. */
  stop(): Promise<void>;
  /** kill -9, keeping the directory (the AOF) for a restart. */
  kill(): Promise<void>;
  /** Starts it again on the same port and directory (after kill()). */
  restart(): Promise<void>;
}

/** `args`: more redis-server options after the defaults (a later one wins), e.g. `['--rename-command', 'CONFIG', '']`. */
export async function startRedis(opts: { port?: number; args?: string[] } = {}): Promise<RedisUnderTest> {
  const bin = findRedisServer();
  if (!bin) throw new Error(REDIS_HELP);
  const port = opts.port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-redis-'));
  let child: ChildProcess | undefined;
  let stderr = '';

  const launch = async () => {
    stderr = '';
    child = spawn(
      bin,
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--dir',
        dir,
        '--appendonly',
        'yes',
        '--appendfsync',
        'always',
        '--save',
        '',
        '--protected-mode',
        'yes',
        '--loglevel',
        'warning',
        ...(opts.args ?? []),
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    child.stderr!.on('data', (d) => {
      stderr += d;
    });
    const exited = new Promise<never>((_, reject) =>
      child!.once('exit', (code) => reject(new Error(`redis-server exited (${code}): ${stderr.slice(-500)}`))),
    );
    exited.catch(() => undefined);
    const deadline = Date.now() + 15_000;
    while (!(await canConnect(port))) {
      if (child.exitCode !== null) await exited;
      if (Date.now() > deadline) throw new Error(`redis-server did not answer on port ${port} within 15 s`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const waitExit = (sig: NodeJS.Signals) =>
    new Promise<void>((resolve) => {
      if (!child || child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill(sig);
    });

  await launch();
  const onExit = () => child?.kill('SIGKILL');
  process.once('exit', onExit);
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    get pid() {
      return child?.pid;
    },
    async stop() {
      await waitExit('SIGTERM');
      process.off('exit', onExit);
      rmSync(dir, { recursive: true, force: true });
    },
    kill: () => waitExit('SIGKILL'),
    restart: launch,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await startRedis();
  process.stdout.write(`${r.url}\n`);
  const stop = () => void r.stop().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
