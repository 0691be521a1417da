// The standard process series in /metrics (prom-client's names): each one moves when what it
// measures moves, and the whole text is one Prometheus could ingest.
import { readFileSync } from 'node:fs';
import { afterEach, expect, it } from 'vitest';
import { RelayMetrics } from '../src/metrics';

const made: RelayMetrics[] = [];
afterEach(() => {
  for (const m of made.splice(0)) m.stop();
});
const metrics = () => {
  const m = new RelayMetrics(() => ({ agents: 0, sockets: 0 }));
  made.push(m);
  return m;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const value = (text: string, series: string) => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  if (!line) throw new Error(`${series} missing from:\n${text}`);
  return Number(line.slice(series.length + 1));
};

it('CPU time counts the CPU this process used', async () => {
  const m = metrics();
  const before = value(await m.scrape(), 'process_cpu_seconds_total');
  const start = process.cpuUsage();
  // Busy until the process has used 200 ms of CPU (wall time says nothing on a shared machine).
  while (true) {
    const used = process.cpuUsage(start);
    if (used.user + used.system >= 200_000) break;
  }
  const text = await m.scrape();
  expect(value(text, 'process_cpu_seconds_total') - before).toBeGreaterThanOrEqual(0.2);
  expect(value(text, 'process_cpu_seconds_total')).toBeCloseTo(
    value(text, 'process_cpu_user_seconds_total') + value(text, 'process_cpu_system_seconds_total'),
    5,
  );
});

it('resident memory is what the kernel reports; heap used grows with what the process holds', async () => {
  const m = metrics();
  const rss = value(await m.scrape(), 'process_resident_memory_bytes');
  const kernel = Number(/VmRSS:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))![1]) * 1024;
  expect(Math.abs(rss - kernel)).toBeLessThan(16 * 1024 * 1024);

  const before = value(await m.scrape(), 'nodejs_heap_size_used_bytes');
  // 64 MB of live objects on V8's heap (arrays of numbers, not Buffers, which live outside it).
  const held = Array.from({ length: 64 }, () => new Array(128 * 1024).fill(1.5));
  const after = value(await m.scrape(), 'nodejs_heap_size_used_bytes');
  expect(after - before).toBeGreaterThanOrEqual(48 * 1024 * 1024);
  expect(value(await m.scrape(), 'nodejs_heap_size_total_bytes')).toBeGreaterThanOrEqual(after);
  expect(held).toHaveLength(64);
  expect(value(await m.scrape(), 'process_open_fds')).toBeGreaterThan(2);
});

it('event-loop lag is how long a callback queued at the read waited', async () => {
  const m = metrics();
  const reading = m.scrape();
  // Hold the loop as a long synchronous job would, right after the read queued its callback.
  const until = performance.now() + 150;
  while (performance.now() < until);
  expect(value(await reading, 'nodejs_eventloop_lag_seconds')).toBeGreaterThanOrEqual(0.15);
});

it('GC pauses are counted by kind, as a histogram', async () => {
  const m = metrics();
  let garbage: number[][] = [];
  // Allocate and drop until V8 has collected at least once (young-generation GCs come within a few MB).
  for (let i = 0; m.process.gcCount === 0; i++) {
    if (i > 2000) throw new Error('no GC observed after 2000 rounds of garbage');
    garbage = Array.from({ length: 64 }, () => new Array(1024).fill(i));
    await sleep(1);
  }
  expect(garbage).toHaveLength(64);
  const text = await m.scrape();
  const counts = [...text.matchAll(/^nodejs_gc_duration_seconds_count\{kind="(\w+)"\} (\d+)$/gm)];
  expect(counts.length).toBeGreaterThan(0);
  expect(counts.reduce((n, c) => n + Number(c[2]), 0)).toBe(m.process.gcCount);
  for (const [, kind, count] of counts) {
    expect(['minor', 'major', 'incremental', 'weakcb']).toContain(kind);
    expect(text).toContain(`nodejs_gc_duration_seconds_bucket{le="+Inf",kind="${kind}"} ${count}`);
  }
});

it('the whole text is valid exposition: HELP and TYPE once per family, before its samples; every sample a number', async () => {
  const text = await metrics().scrape();
  expect(text.endsWith('\n')).toBe(true);
  const typed = new Map<string, string>();
  const helped = new Set<string>();
  for (const line of text.trimEnd().split('\n')) {
    const meta = /^# (HELP|TYPE) (\w+) (.+)$/.exec(line);
    if (meta) {
      const [, what, name, rest] = meta;
      if (what === 'HELP') {
        expect(helped.has(name!), `second HELP for ${name}`).toBe(false);
        helped.add(name!);
      } else {
        expect(typed.has(name!), `second TYPE for ${name}`).toBe(false);
        expect(['counter', 'gauge', 'histogram']).toContain(rest);
        typed.set(name!, rest!);
      }
      continue;
    }
    const sample = /^(\w+)(\{[^}]*\})? (\S+)$/.exec(line);
    expect(sample, line).not.toBeNull();
    const family = sample![1]!.replace(/_(bucket|sum|count)$/, '');
    expect(typed.has(sample![1]!) || typed.get(family) === 'histogram', `sample before its TYPE: ${line}`).toBe(true);
    expect(Number.isFinite(Number(sample![3])), line).toBe(true);
  }
  for (const name of [
    'process_cpu_seconds_total',
    'process_resident_memory_bytes',
    'process_start_time_seconds',
    'nodejs_heap_size_used_bytes',
    'nodejs_eventloop_lag_seconds',
    'nodejs_gc_duration_seconds',
    'nodejs_version_info',
  ])
    expect(typed.has(name), name).toBe(true);
  expect(text).toContain(`nodejs_version_info{version="${process.version}"`);
});
