// Keeps the benchmark harness (bench/) from rotting: runs `npm run bench -- --quick` and checks
// it produced sane JSON for every contender. The figures themselves are not asserted: at smoke
// size, on a machine busy with other tests, they mean nothing.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { perfUnavailable } from '../../bench/perf-profile';
import type { BenchResults } from '../../bench/results';

const ROOT = resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'switchboard-bench-smoke-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('npm run bench -- --quick runs every contender and the team report end to end and writes the JSON', () => {
  const json = join(dir, 'quick.json');
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--quick', '--json', json], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 170_000,
  });
  expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
  const res = JSON.parse(readFileSync(json, 'utf8')) as BenchResults;
  expect(res.machine.cores).toBeGreaterThan(0);
  // Each server on a core of its own, the harness on another (or, on one core, a note saying why not).
  if (res.machine.cores >= 2) {
    expect(res.pinning).toMatchObject({ server: res.machine.cores - 1, harness: 0 });
    for (const s of res.relay!)
      expect(s.cpus, `${s.contender} ${s.agents}`).toEqual({ server: String(res.machine.cores - 1), harness: '0' });
  } else expect(res.pinning).toHaveProperty('note');
  for (const contender of ['relay', 'floor', 'socketio']) {
    const scenarios = res.relay!.filter((s) => s.contender === contender);
    expect(scenarios.length, contender).toBeGreaterThanOrEqual(2);
    for (const s of scenarios) {
      expect(s.fixed!.accepted, `${contender} ${s.agents}`).toBeGreaterThan(0);
      expect(s.fixed!.delivered, `${contender} ${s.agents}`).toBe(s.fixed!.accepted);
      expect(s.fixed!.latencyMs.p99).toBeGreaterThan(0);
      expect(s.fixed!.cpuUsPerEvent).toBeGreaterThan(0);
      expect(s.fixed!.harnessCpuUsPerEvent).toBeGreaterThan(0);
      expect(s.rssConnectedMB).toBeGreaterThan(0);
    }
    const ramped = scenarios.find((s) => s.ramp)!;
    expect(ramped.ramp!.maxDeliveredPerSec, contender).toBeGreaterThan(0);
    // The goals' scenario runs in rounds; each round is kept.
    expect(
      ramped.rounds?.map((r) => r.ramp!.maxDeliveredPerSec > 0),
      contender,
    ).toEqual([true, true, true]);
  }
  expect(res.extension!.popupGzipBytes).toBeGreaterThan(0);
  // `npm run size`'s budget, which nothing ran while the popup grew past it (issues 17–19).
  expect(res.extension!.popupGzipBytes).toBeLessThanOrEqual(res.extension!.popupBudgetBytes);
  if (!res.extension!.skipped) {
    expect(res.extension!.browser!.ttiMs.median).toBeGreaterThan(0);
    const b = res.extension!.browser!;
    // The toolbar popup needs chrome.action.openPopup (Chromium 127+); without it the run says why.
    expect(b.toolbarTtiMs?.median ?? b.toolbarSkipped).toBeTruthy();
    expect(res.extension!.browser!.clickToRequestMs.median).toBeGreaterThan(0);
    expect(res.extension!.browser!.coldStart.backlogHandledMs.median).toBeGreaterThan(0);
  }
  // The team report at smoke size: generated, read and computed (its timing means nothing here).
  expect(res.report!.events).toBeGreaterThan(0);
  expect(res.report!.rows).toBeGreaterThanOrEqual(res.report!.events);
  expect(res.report!.medianMs).toBeGreaterThan(0);
  expect(res.goals.length).toBeGreaterThanOrEqual(8);
}, 180_000);

// CI installs Debian's linux-perf (.ci/run); elsewhere, without perf, this says why it did not run.
const noPerf = perfUnavailable();
it.skipIf(noPerf)(
  `--profile perf splits each server’s CPU per event by thread and code, ours and the peer’s alike${noPerf ? ` (not run: ${noPerf})` : ''}`,
  () => {
    const json = join(dir, 'perf.json');
    const run = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        'bench/run.ts',
        '--quick',
        '--only',
        'relay',
        '--agents',
        '200',
        '--contenders',
        'relay,socketio',
        '--profile',
        'perf',
        '--json',
        json,
      ],
      { cwd: ROOT, encoding: 'utf8', timeout: 110_000 },
    );
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
    // The table that bench/README.md's "Where the CPU goes" quotes.
    expect(run.stdout).toMatch(/\| thread · code \| \*\*relay \(durable\)\*\*, 200 \| Socket\.IO, 200 \|/);
    const res = JSON.parse(readFileSync(json, 'utf8')) as BenchResults;
    // ~100 samples a server at smoke size: which small parts show up is chance; the kernel's third and the total are not.
    for (const s of res.relay!) {
      const parts = s.fixed!.perfUsPerEvent!;
      expect(Object.keys(parts), s.contender).toContain('event loop · kernel');
      for (const key of Object.keys(parts))
        expect(key).toMatch(/^(event loop|GC|thread pool|worker|other) · (kernel|JS|SQLite|node|libc|other)$/);
      // The parts split the CPU the server's own process.cpuUsage counted (those under 1 µs left out).
      const sum = Object.values(parts).reduce((a, b) => a + b, 0);
      expect(sum, s.contender).toBeLessThanOrEqual(s.fixed!.cpuUsPerEvent! * 1.01);
      expect(sum, s.contender).toBeGreaterThan(s.fixed!.cpuUsPerEvent! * 0.8);
    }
  },
  120_000,
);
