// The relay as IT installs it (docs/deploy.md): `npm pack` in relay/, the tarball installed with
// `npm install --omit=dev` into an empty folder, the command started with plain node, with the systemd
// unit's environment, credentials files and command line. A webhook in, a websocket frame out, SIGTERM,
// a clean exit.
//
// The install compiles better-sqlite3 (no prebuilt binaries reach this machine): ~110 s on 2 cores. With
// ccache on the machine (.ci/run installs it) the compiler's output is reused when its input is the
// same, so a repeat install takes seconds; it is still a fresh install into an empty folder, npm and
// node-gyp run in full, only the compiler is spared work it already did.
import { spawnSync } from 'node:child_process';
import { lstatSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { conversationEvent } from '../../sandbox/payloads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServiceUnit } from './systemd-unit';
import { connect } from './tls-proxy';
import { cleanup, onPath, ROOT, startChild, tempDir, waitUntilReady } from './tools';

const RELAY = join(ROOT, 'relay');
const unit = new ServiceUnit();
const INSTALL_PREFIX = '/opt/switchboard-relay';
const SECRETS: Record<string, string> = {
  'relay-secret': 'package-test-secret-0123456789abcdef0123456789',
  'snapengage-webhook-token': 'package-test-webhook-token-0123456789abcdef',
};
const AGENT = 'alice@example.com';
/** What a production install must not carry: the repository's build and test tooling. */
const TOOLING = [
  'tsx',
  'typescript',
  'esbuild',
  'vitest',
  'wxt',
  'vite',
  '@switchboard/protocol',
  'playwright-core',
  'web-ext',
  'socket.io',
];

function npm(args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv }) {
  const r = spawnSync('npm', args, { cwd: opts.cwd, env: opts.env ?? process.env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`npm ${args.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r;
}

/** Bytes of the files under `dir` (symlinks counted as links, not followed). */
function treeSize(dir: string): number {
  let bytes = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    bytes += entry.isDirectory() ? treeSize(p) : lstatSync(p).size;
  }
  return bytes;
}

const kB = (n: number) => `${Math.round(n / 1024)} kB`;
const MB = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;

let tarball = '';
let prefix = '';
let installOutput = '';

beforeAll(() => {
  const out = tempDir('package');
  // What a maintainer runs to make the tarball IT gets (prepack builds dist/ first).
  const packed = JSON.parse(npm(['pack', '--json', '--pack-destination', out], { cwd: RELAY }).stdout)[0];
  tarball = join(out, packed.filename);
  const files = packed.files.map((f: { path: string }) => f.path).sort();
  console.log(
    `package: ${packed.filename}, ${packed.entryCount} files (${files.join(', ')}), ${kB(packed.size)} packed, ${kB(packed.unpackedSize)} unpacked`,
  );
  expect(files).toEqual([
    'dist/board/app.css',
    'dist/board/app.js',
    'dist/board/index.html',
    'dist/cli.js',
    'dist/deploy/caddy/Caddyfile',
    'dist/deploy/nginx/switchboard-relay.conf',
    'dist/deploy/systemd/switchboard-relay.service',
    'package.json',
  ]);

  // The docs' install: an empty folder, the allow-list for better-sqlite3's build, npm install --omit=dev.
  prefix = join(out, 'root', INSTALL_PREFIX);
  mkdirSync(prefix, { recursive: true });
  writeFileSync(join(prefix, '.npmrc'), 'allow-scripts=better-sqlite3\n');
  const ccache = onPath('ccache');
  const env = ccache
    ? {
        ...process.env,
        CC: 'ccache gcc',
        CXX: 'ccache g++',
        CCACHE_DIR: process.env.CCACHE_DIR ?? join(homedir(), '.cache/switchboard/ccache'),
      }
    : process.env;
  const started = performance.now();
  const install = npm(['install', '--omit=dev', '--no-audit', '--no-fund', tarball], { cwd: prefix, env });
  const seconds = (performance.now() - started) / 1000;
  installOutput = install.stdout + install.stderr;
  const count = npm(['ls', '--all', '--parseable', '--omit=dev'], { cwd: prefix }).stdout.trim().split('\n').length - 1;
  console.log(
    `install: ${count} packages, ${MB(treeSize(join(prefix, 'node_modules')))} in node_modules, ${seconds.toFixed(1)} s` +
      ` (better-sqlite3 compiled ${ccache ? 'through ccache: seconds when its cache holds this build, ~110 s when not' : 'without ccache: apt-get install ccache makes repeat runs fast'})`,
  );
});

afterAll(cleanup);

describe('the relay package (npm pack → npm install --omit=dev → node)', () => {
  it('installs only what runs: no TypeScript, no build or browser tooling, install scripts allowed by the allow-list', () => {
    expect(installOutput).not.toMatch(/install-scripts|EBADENGINE/);
    const installed = readdirSync(join(prefix, 'node_modules'));
    for (const tool of TOOLING) expect({ tool, installed: installed.includes(tool.split('/')[0]!) }).toEqual({ tool, installed: false });
    const manifest = JSON.parse(readFileSync(join(prefix, 'node_modules/switchboard-relay/package.json'), 'utf8'));
    expect(Object.keys(manifest.dependencies).sort()).toEqual(['better-sqlite3', 'ioredis', 'pino', 'ws', 'zod']);
    // The files docs/deploy.md copies from the install are the repository's, the ones the other tests check.
    for (const file of ['systemd/switchboard-relay.service', 'nginx/switchboard-relay.conf', 'caddy/Caddyfile'])
      expect(readFileSync(join(prefix, 'node_modules/switchboard-relay/dist/deploy', file), 'utf8')).toBe(
        readFileSync(join(ROOT, 'deploy', file), 'utf8'),
      );
    const bin = join(prefix, 'node_modules/.bin/switchboard-relay');
    expect(readFileSync(bin, 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
    // The bin runs through node from PATH: the one that compiled better-sqlite3 here.
    const help = spawnSync(bin, ['help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('switchboard-relay token <agent-email>');
  });

  it("serves with the systemd unit's environment and credentials: webhook in, websocket frame out, SIGTERM, exit 0", async () => {
    const dir = tempDir('service');
    const credentials = join(dir, 'credentials');
    const stateRoot = join(dir, 'state');
    mkdirSync(credentials, { mode: 0o700 });
    mkdirSync(join(stateRoot, 'switchboard-relay'), { recursive: true, mode: 0o700 });
    for (const { name } of unit.credentials()) writeFileSync(join(credentials, name), `${SECRETS[name]}\n`, { mode: 0o400 });
    // systemd's PATH would find this machine's system node; the test's is the one the install compiled for.
    // Port 0: the unit's 8787 may be taken on a machine that runs tests.
    const env: Record<string, string> = { ...unit.environment({ credentials, stateRoot }), PATH: process.env.PATH!, RELAY_PORT: '0' };
    const { path, args } = unit.execStart();
    expect(path.startsWith(`${INSTALL_PREFIX}/`)).toBe(true);
    const bin = join(prefix, path.slice(INSTALL_PREFIX.length));

    const relay = startChild(bin, args, { env });
    let base = '';
    await waitUntilReady(relay, 'switchboard-relay serve', async () => {
      base = /relay: listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(relay.output())?.[1] ?? '';
      return Boolean(base);
    });

    const issued = spawnSync(bin, ['token', AGENT], { env, encoding: 'utf8' });
    expect(issued.status).toBe(0);
    const token = issued.stdout.trim();
    const client = connect(`${base.replace('http:', 'ws:')}/ws`);
    await client.opened;
    client.send({ type: 'hello', token, after: 0 });
    expect(await client.next()).toMatchObject({ type: 'welcome', agent: AGENT });

    const chat = conversationEvent('assigned', { agent: AGENT });
    const accepted = await fetch(`${base}/snapengage/conversation-events`, {
      method: 'POST',
      headers: { authorization: SECRETS['snapengage-webhook-token']!, 'content-type': 'application/json' },
      body: JSON.stringify(chat),
    });
    expect(accepted.status).toBe(200);
    const event = await client.next();
    expect(event).toMatchObject({ type: 'event', seq: 1, kind: 'assigned' });
    expect(JSON.stringify(event.data)).toContain(chat.conversation.id);

    // The quarantine commands reach the running relay the same way (admin token from the credential).
    const listed = spawnSync(bin, ['quarantine', 'list'], { env: { ...env, RELAY_URL: base }, encoding: 'utf8' });
    expect({ status: listed.status, stderr: listed.stderr }).toEqual({ status: 0, stderr: 'relay: the quarantine is empty\n' });

    // The operator's checks from the installed command, with the unit's settings (docs/deploy.md steps 10, 11).
    const doctor = spawnSync(bin, ['doctor'], { env, encoding: 'utf8' });
    expect(doctor.stdout).toMatch(/^ok {7}config: every setting is valid \(SQLite mode\)\nok {7}database: .*relay\.db is writable/);
    expect({ status: doctor.status, problems: doctor.stdout.split('\n').filter((l) => l.startsWith('problem')) }).toEqual({
      status: 0,
      problems: [],
    });
    const copy = join(dir, 'relay-backup.db');
    const backup = spawnSync(bin, ['backup', copy], { env, encoding: 'utf8' });
    expect({ status: backup.status, stderr: backup.stderr }).toEqual({
      status: 0,
      stderr: expect.stringMatching(
        /^relay: backup: .* → .*relay-backup\.db: .*, 1 events \(last seq 1\), generation \S+, quick_check ok\n$/,
      ),
    });
    expect(statSync(copy).mode & 0o777).toBe(0o600);

    const stopping = performance.now();
    relay.process.kill('SIGTERM');
    expect(await relay.exited).toBe(0);
    const stopSeconds = (performance.now() - stopping) / 1000;
    expect(await client.closed).toEqual({ code: 1001, reason: 'relay shutting down' });
    expect(stopSeconds).toBeLessThan(unit.seconds('TimeoutStopSec'));
    console.log(`service: stopped ${stopSeconds.toFixed(2)} s after SIGTERM (the unit allows ${unit.seconds('TimeoutStopSec')} s)`);

    // The event log is where the unit says (StateDirectory=), readable by the service's user only.
    const db = env.RELAY_DB!;
    expect(db.startsWith(join(stateRoot, 'switchboard-relay'))).toBe(true);
    expect(statSync(db).mode & 0o777).toBe(0o600);
    // No secret in anything it printed.
    for (const secret of Object.values(SECRETS)) expect(relay.output()).not.toContain(secret);
    expect(relay.output()).not.toContain(token);
  });
});
