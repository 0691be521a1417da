// `--profile perf`: where a server's CPU goes, every thread and the kernel included, for each
// contender alike. V8's --cpu-prof sees only our event loop's JavaScript: in a perf profile of our
// relay at 1,000 ev/s, a third of its samples were kernel time (socket writes, the WAL's writes and
// fsyncs) and a tenth were on threads V8's profile does not show, so it could not say which part of
// the gap to Socket.IO is ours to close.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { TASKSET } from './common';

const PERF = '/usr/bin/perf';

/** Why perf cannot profile here, or undefined when it can. */
export function perfUnavailable(): string | undefined {
  if (!existsSync(PERF)) return `${PERF} is missing (Debian's linux-perf)`;
  try {
    execFileSync(PERF, ['stat', '-e', 'cpu-clock', '-x', ',', 'true'], { stdio: 'pipe', timeout: 10_000 });
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim();
    return `perf cannot count here (${stderr || (err as Error).message})`;
  }
  return undefined;
}

/**
 * Samples the process `pid` (every thread) into `file` until `stop`; perf itself runs where `cpu`
 * says. With call stacks (`-g`: node's JIT code keeps frame pointers), so `perf report -i <file>`
 * can say which JavaScript a kernel or V8 sample ran for.
 */
export function startPerf(pid: number, file: string, cpu?: number): { stop: () => Promise<void> } {
  const args = ['record', '-g', '-F', '999', '-e', 'cpu-clock', '-p', String(pid), '-o', file, '--quiet'];
  const child: ChildProcess =
    cpu === undefined ? spawn(PERF, args, { stdio: 'ignore' }) : spawn(TASKSET, ['-c', String(cpu), PERF, ...args], { stdio: 'ignore' });
  // A perf that could not start must fail the run where its file is wanted, not as an unhandled error mid-run.
  let failed: Error | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('error', (err) => {
      failed = err;
      resolve();
    });
    child.once('close', () => resolve());
  });
  return {
    stop: async () => {
      // SIGINT: perf writes its file and exits.
      if (!failed) child.kill('SIGINT');
      await exited;
      if (failed) throw new Error(`perf record could not run: ${failed.message}`);
    },
  };
}

/** The part of a process a sample's code belongs to, by its shared object. */
function component(dso: string): string {
  if (dso === '[kernel.kallsyms]') return 'kernel';
  if (dso.startsWith('[JIT]') || /^perf-\d+\.map$/.test(dso)) return 'JS';
  if (dso === 'better_sqlite3.node') return 'SQLite';
  if (dso === 'node') return 'node';
  if (/^lib(c|m|stdc\+\+|gcc_s)[.-]/.test(dso) || dso === '[vdso]') return 'libc';
  return 'other';
}

/** Threads by what they do, so that each contender's rows read alike. */
function thread(comm: string): string {
  if (comm === 'MainThread' || comm === 'node') return 'event loop';
  if (comm === 'V8Worker') return 'GC';
  if (comm === 'libuv-worker') return 'thread pool';
  if (comm === 'WorkerThread') return 'worker';
  return 'other';
}

/**
 * `perf report --sort comm,dso` lines ("  33.68%  MainThread  node") → share of the samples by
 * "thread · component" (0–1), the largest first.
 */
export function parsePerfShares(report: string): Record<string, number> {
  const shares = new Map<string, number>();
  for (const line of report.split('\n')) {
    const m = /^\s*([\d.]+)%\s+(\S+)\s+(.+?)\s*$/.exec(line);
    if (!m) continue;
    const key = `${thread(m[2]!)} · ${component(m[3]!)}`;
    shares.set(key, (shares.get(key) ?? 0) + Number(m[1]) / 100);
  }
  return Object.fromEntries([...shares].sort((a, b) => b[1] - a[1]));
}

/** The recording's shares, as µs per delivered event (`cpuUsPerEvent` split by them), parts under 1 µs left out. */
export function perfUsPerEvent(file: string, cpuUsPerEvent: number): Record<string, number> {
  const report = execFileSync(PERF, ['report', '-i', file, '--no-children', '--sort', 'comm,dso', '-g', 'none', '--stdio', '-q'], {
    encoding: 'utf8',
    // stderr piped: if perf cannot read the file, its reason is in the error.
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 16 << 20,
  });
  return Object.fromEntries(
    Object.entries(parsePerfShares(report))
      .map(([k, share]) => [k, Math.round(share * cpuUsPerEvent * 10) / 10] as const)
      .filter(([, us]) => us >= 1),
  );
}
