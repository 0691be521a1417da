// What the deployment tests need from the machine: a tool on PATH, or Debian's package installed with
// apt-get when running as root (CI on a new machine), or a clear reason why the test cannot run.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');

export function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter).concat(['/usr/sbin', '/usr/bin', '/sbin', '/bin'])) {
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

export type Tool = { path: string; missing?: undefined } | { path?: undefined; missing: string };

/** `binary` from PATH, or from Debian's `debianPackage` installed now when running as root. */
export function findTool(binary: string, debianPackage: string): Tool {
  const found = onPath(binary);
  if (found) return { path: found };
  const help = `${binary} is not installed (Debian: apt-get install -y ${debianPackage}; .ci/run installs it)`;
  if (process.getuid?.() !== 0 || !onPath('apt-get')) return { missing: help };
  process.stderr.write(`deploy tests: ${binary} missing; installing Debian's ${debianPackage}…\n`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  const r = spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', debianPackage], { stdio: 'inherit', env });
  const installed = r.status === 0 ? onPath(binary) : undefined;
  return installed ? { path: installed } : { missing: `${help}; apt-get install failed` };
}

const cleanups: Array<() => Promise<void> | void> = [];
/** For afterAll/afterEach: stops every process and removes every folder made here, newest first. */
export async function cleanup(): Promise<void> {
  for (const c of cleanups.splice(0).reverse()) await c();
}

export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `switchboard-${prefix}-`));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((done, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const { port } = s.address() as { port: number };
      s.close(() => done(port));
    });
  });
}

export interface Child {
  process: ChildProcess;
  /** stdout + stderr so far. */
  output(): string;
  /** Resolves with the exit code (or the signal's name) once the process has ended. */
  exited: Promise<number | string>;
}

/** Starts a process that the cleanup stops (SIGTERM, then waits for it). */
export function startChild(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Child {
  const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => {
    output += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    output += d.toString();
  });
  const exited = new Promise<number | string>((done) => {
    child.once('error', (err) => {
      output += `\n${err.message}`;
      done('spawn failed');
    });
    child.once('exit', (code, signal) => done(code ?? signal ?? 'unknown'));
  });
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  });
  return { process: child, output: () => output, exited };
}

/**
 * Waits until `ready()` holds, polling; fails at once with the process's output if it exits first.
 * Bounded by the test's timeout, not by a clock of its own.
 */
export async function waitUntilReady(child: Child, name: string, ready: () => Promise<boolean>): Promise<void> {
  let ended: number | string | undefined;
  void child.exited.then((code) => {
    ended = code;
  });
  while (true) {
    if (ended !== undefined) throw new Error(`${name} exited (${ended}) before it was ready:\n${child.output()}`);
    if (await ready().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}
