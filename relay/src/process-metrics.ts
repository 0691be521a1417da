// The standard process series, under the names prom-client's default metrics use, so the usual
// Node dashboards and alerts work unchanged: CPU, memory, open files, event-loop lag and GC pauses.
// Read from Node itself (process.cpuUsage, process.memoryUsage, perf_hooks) when /metrics is read,
// except the GC pauses, which an observer adds up as they happen.
import { readdirSync } from 'node:fs';
import { constants, PerformanceObserver } from 'node:perf_hooks';

/** prom-client's buckets for nodejs_gc_duration_seconds: a minor GC takes ~1 ms, a long major one seconds. */
const GC_BUCKETS = [0.001, 0.01, 0.1, 1, 2, 5];
const GC_KINDS: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};

interface Histogram {
  buckets: number[];
  count: number;
  sum: number;
}

/** Seconds the process started at, as prom-client reports it (whole seconds). */
const START_TIME_SECONDS = Math.round(Date.now() / 1000 - process.uptime());

export class ProcessMetrics {
  private readonly gc = new Map<string, Histogram>();
  private readonly observer: PerformanceObserver;

  constructor() {
    this.observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        const kind = GC_KINDS[(entry as { detail?: { kind?: number } }).detail?.kind ?? -1] ?? 'other';
        const h = this.gc.get(kind) ?? { buckets: GC_BUCKETS.map(() => 0), count: 0, sum: 0 };
        this.gc.set(kind, h);
        const seconds = entry.duration / 1000;
        h.count++;
        h.sum += seconds;
        for (const [i, b] of GC_BUCKETS.entries()) if (seconds <= b) h.buckets[i]!++;
      }
    });
    this.observer.observe({ entryTypes: ['gc'] });
  }

  /** GC pauses seen so far, all kinds together (tests wait on it). */
  get gcCount(): number {
    let n = 0;
    for (const h of this.gc.values()) n += h.count;
    return n;
  }

  stop(): void {
    this.observer.disconnect();
  }

  render(lines: string[], lagSeconds: number | undefined): void {
    const cpu = process.cpuUsage();
    const memory = process.memoryUsage();
    const gauge = (name: string, help: string, value: number | string, type = 'gauge') =>
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, `${name} ${value}`);
    gauge('process_cpu_user_seconds_total', 'User CPU time spent in seconds.', cpu.user / 1e6, 'counter');
    gauge('process_cpu_system_seconds_total', 'System CPU time spent in seconds.', cpu.system / 1e6, 'counter');
    gauge('process_cpu_seconds_total', 'Total user and system CPU time spent in seconds.', (cpu.user + cpu.system) / 1e6, 'counter');
    gauge('process_start_time_seconds', 'Start time of the process since unix epoch in seconds.', START_TIME_SECONDS);
    gauge('process_resident_memory_bytes', 'Resident memory size in bytes.', memory.rss);
    const fds = openFileCount();
    if (fds !== undefined) gauge('process_open_fds', 'Number of open file descriptors.', fds);
    gauge('nodejs_heap_size_total_bytes', 'Process heap size from Node.js in bytes.', memory.heapTotal);
    gauge('nodejs_heap_size_used_bytes', 'Process heap size used from Node.js in bytes.', memory.heapUsed);
    gauge('nodejs_external_memory_bytes', 'Node.js external memory size in bytes.', memory.external);
    if (lagSeconds !== undefined) gauge('nodejs_eventloop_lag_seconds', 'Lag of event loop in seconds.', lagSeconds);
    const [major, minor, patch] = process.versions.node.split('.');
    lines.push(
      '# HELP nodejs_version_info Node.js version info.',
      '# TYPE nodejs_version_info gauge',
      `nodejs_version_info{version="${process.version}",major="${major}",minor="${minor}",patch="${patch}"} 1`,
      '# HELP nodejs_gc_duration_seconds Garbage collection duration by kind, one of major, minor, incremental or weakcb.',
      '# TYPE nodejs_gc_duration_seconds histogram',
    );
    for (const [kind, h] of this.gc) {
      for (const [i, b] of GC_BUCKETS.entries()) lines.push(`nodejs_gc_duration_seconds_bucket{le="${b}",kind="${kind}"} ${h.buckets[i]}`);
      lines.push(
        `nodejs_gc_duration_seconds_bucket{le="+Inf",kind="${kind}"} ${h.count}`,
        `nodejs_gc_duration_seconds_sum{kind="${kind}"} ${h.sum}`,
        `nodejs_gc_duration_seconds_count{kind="${kind}"} ${h.count}`,
      );
    }
  }
}

/**
 * How late a callback queued now runs: what prom-client reports as nodejs_eventloop_lag_seconds.
 * The relay's own relay_event_loop_delay_seconds keeps the worst of the last minutes besides.
 */
export async function eventLoopLagSeconds(): Promise<number> {
  const start = process.hrtime.bigint();
  await new Promise((r) => setImmediate(r));
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/** Linux only (the unit's ProtectProc=invisible still shows a process its own /proc entry); absent elsewhere. */
function openFileCount(): number | undefined {
  try {
    // The directory listing itself holds one descriptor while it is read.
    return readdirSync('/proc/self/fd').length - 1;
  } catch {
    return undefined;
  }
}
