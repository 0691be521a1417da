// Shared pieces of the benchmark harness: the webhook body every contender receives, the
// clock all processes share, percentiles, and /proc readings of the server under test.
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { conversationEvent } from '../sandbox/payloads';

export const BENCH_DIR = import.meta.dirname;
export const ROOT = resolve(BENCH_DIR, '..');
export const RELAY_SECRET = 'bench-secret-0123456789abcdef0123456789abcdef';
export const WEBHOOK_TOKEN = 'bench-webhook-token-0123456789abcdef';

export type Contender = 'relay' | 'floor' | 'socketio';
export const CONTENDERS: readonly Contender[] = ['relay', 'floor', 'socketio'];

/**
 * Microseconds on CLOCK_MONOTONIC. `process.hrtime` reads the system-wide monotonic clock, so
 * a time taken in the load generator and one taken in a client process compare directly.
 */
export const nowUs = (): number => Number(process.hrtime.bigint() / 1000n);

export const agentEmail = (i: number) => `agent${i}@bench.test`;

/** Where the send time travels: inside the visitor's question, which every contender forwards as-is. */
const TIME_MARK = 'bench-t=';

/**
 * A sandbox `assigned` body split around the three values that change per request (agent,
 * event id, send time), so a request costs the load generator three string concatenations.
 */
export function webhookTemplate(): (agent: string, eventId: string, sentUs: number) => string {
  const body = JSON.stringify(
    conversationEvent('assigned', {
      agent: 'zzagentzz@bench.test',
      agentAlias: 'Bench Agent',
      eventId: 'zzeidzz',
      question: `${TIME_MARK}zztzz;`,
    }),
  );
  const parts = body.split(/zzagentzz@bench\.test|zzeidzz|zztzz/);
  const order = [...body.matchAll(/zzagentzz@bench\.test|zzeidzz|zztzz/g)].map((m) => m[0]);
  if (parts.length !== order.length + 1) throw new Error('template markers not found');
  return (agent, eventId, sentUs) => {
    let out = parts[0]!;
    for (let i = 0; i < order.length; i++) {
      const m = order[i]!;
      out += (m === 'zzeidzz' ? eventId : m === 'zztzz' ? String(sentUs) : agent) + parts[i + 1]!;
    }
    return out;
  };
}

export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx]!;
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length ? (s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2) : Number.NaN;
  return Math.round(m * 100) / 100; // figures for people: no 151.85000000000002
}

/** The item whose `value` is the median (the lower middle one for an even count). */
export function medianBy<T>(items: readonly T[], value: (t: T) => number): T | undefined {
  const sorted = [...items].sort((a, b) => value(a) - value(b));
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

const CLK_TCK = 100; // USER_HZ on Linux

/** utime + stime of a process (all its threads), in ms. */
export function procCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which may itself contain spaces and parentheses.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
}

/**
 * utime + stime per thread name (MainThread, V8Worker for GC, libuv-worker for the thread pool's
 * fsyncs, a worker thread's own name…), ms: where a server's CPU goes beyond its event loop.
 * Threads that ended are not counted (the process total is).
 */
export function procThreadCpuMs(pid: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    } catch {
      continue; // ended meanwhile
    }
    const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    out[name] = (out[name] ?? 0) + ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
  }
  return out;
}

/** How long a process's main thread has waited for a CPU while ready to run (ms, /proc schedstat): other work taking its core. */
export function procRunDelayMs(pid: number): number {
  return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[1]) / 1e6;
}

/** The CPUs a process may run on, as Linux lists them (`1`, `0-1`). */
export function procCpusAllowed(pid: number): string {
  return /Cpus_allowed_list:\s*(\S+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? '?';
}

/** Resident set size of a process, in bytes. */
export function procRssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : Number.NaN;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export const TASKSET = '/usr/bin/taskset';

/**
 * Where the relay benchmark's processes run. Sharing cores, whoever the scheduler starved lost the
 * round (bench/README.md): one core each, a server's CPU per event and its maximum per core are
 * its own.
 *
 * `nice`: the machine may run other work too. Linux groups processes by session (autogroup) and
 * shares the cores equally between busy groups, whatever a process's own nice value; so each
 * process of the benchmark starts a session of its own, whose group gets this nice value. That
 * keeps other work from starving a server or the harness mid-run (a timer due in 1 ms fired up
 * to 340 ms late on a loaded machine, 10–20 ms with this). It does not change the CPU a server
 * spends per event, only how much of its core it gets.
 */
export interface Pinning {
  server: number;
  harness: number;
  nice?: number;
}
const AUTOGROUP = '/proc/self/autogroup';
export function planPinning(nice = -10): { pinning?: Pinning; note?: string } {
  const cores = availableParallelism();
  if (cores < 2)
    return { note: `only ${cores} core: servers and harness share it, unpinned (figures per core are not comparable with a pinned run)` };
  if (!existsSync(TASKSET)) return { note: `${TASKSET} (util-linux) is missing: servers and harness unpinned` };
  // The last core for the server: the first is where the system's own work tends to land.
  const pinning: Pinning = { server: cores - 1, harness: 0 };
  // Raising a group's priority takes root; without autogroups (or root) the processes share as usual.
  if (nice !== 0 && existsSync(AUTOGROUP) && process.getuid?.() === 0) pinning.nice = nice;
  return { pinning };
}

/** Pins this process (every thread it has; threads and children made later inherit it) to these CPUs (`0`, `0-1`). */
export function pinSelf(cpus: string): void {
  execFileSync(TASKSET, ['-a', '-p', '-c', cpus, String(process.pid)], { stdio: 'ignore' });
}

/**
 * Forks a TypeScript module of the harness with an IPC channel. With `place`, the process (and
 * every thread it starts) runs on that core only (taskset execs node, which keeps the pid and the
 * channel), in a session of its own whose scheduling group gets `nice`.
 */
export function forkTs(
  file: string,
  args: string[] = [],
  execArgv: string[] = [],
  place?: { cpu: number; nice?: number },
  env: Record<string, string> = {},
): ChildProcess {
  const nodeArgs = ['--import', 'tsx', ...execArgv];
  const child = fork(resolve(BENCH_DIR, file), args, {
    ...(place ? { execPath: TASKSET, execArgv: ['-c', String(place.cpu), process.execPath, ...nodeArgs] } : { execArgv: nodeArgs }),
    detached: place?.nice !== undefined,
    // BENCH_STDOUT=1: the processes' stdout too (V8's --trace-gc-nvp, with bench/ab.ts or --profile runs), else discarded.
    stdio: ['ignore', process.env.BENCH_STDOUT ? 'inherit' : 'ignore', 'inherit', 'ipc'],
    env: { ...process.env, ...env, NODE_ENV: 'production' },
  });
  if (place?.nice !== undefined && child.pid !== undefined) writeFileSync(`/proc/${child.pid}/autogroup`, String(place.nice));
  return child;
}

/** The node flags the deployed relay runs with: NODE_OPTIONS in deploy/systemd/switchboard-relay.service. */
export function deployedNodeFlags(): string[] {
  const unit = readFileSync(resolve(ROOT, 'deploy/systemd/switchboard-relay.service'), 'utf8');
  return /^Environment=NODE_OPTIONS=(.*)$/m.exec(unit)?.[1]?.trim().split(/\s+/) ?? [];
}

/** Request/response over a child's IPC channel: sends `msg`, resolves with the first reply of `type`. */
export function ask<T>(child: ChildProcess, msg: object, type: string, timeoutMs = 120_000): Promise<T> {
  return new Promise((resolveP, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`no "${type}" from child ${child.pid} within ${timeoutMs} ms`));
    }, timeoutMs);
    const onMessage = (m: { type?: string; error?: string }) => {
      if (m?.type === 'error') {
        cleanup();
        reject(new Error(`child ${child.pid}: ${m.error}`));
      } else if (m?.type === type) {
        cleanup();
        resolveP(m as T);
      }
    };
    const onExit = (code: number | null) => {
      cleanup();
      reject(new Error(`child ${child.pid} exited (${code}) while waiting for "${type}"`));
    };
    const cleanup = () => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.on('exit', onExit);
    child.send(msg);
  });
}

/** Waits for the first message of `type` without sending anything. */
export function waitFor<T>(child: ChildProcess, type: string, timeoutMs = 60_000): Promise<T> {
  return new Promise((resolveP, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "${type}" from child ${child.pid}`)), timeoutMs);
    const onMessage = (m: { type?: string; error?: string }) => {
      if (m?.type === type || m?.type === 'error') {
        clearTimeout(timer);
        child.off('message', onMessage);
        if (m.type === 'error') reject(new Error(m.error));
        else resolveP(m as T);
      }
    };
    child.on('message', onMessage);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`child ${child.pid} exited (${code}) before "${type}"`));
    });
  });
}

export async function stopChild(child: ChildProcess, timeoutMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  await exited;
  clearTimeout(t);
}
