// The relay benchmark: each contender (our relay, the ws floor, the Socket.IO peer) runs in its
// own process; client processes hold the agent sockets; load generator processes POST the
// webhooks. This process only orchestrates and reads /proc for the server's RSS and CPU.
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { build } from 'esbuild';
import { issueRelayToken } from 'switchboard-relay/auth';
import { RELAY_DIR, relayBundleOptions } from '../relay/scripts/build-options';
import { perfUsPerEvent, startPerf } from './perf-profile';
import {
  agentEmail,
  ask,
  BENCH_DIR,
  CONTENDERS,
  deployedNodeFlags,
  forkTs,
  medianBy,
  percentile,
  pinSelf,
  procCpuMs,
  procCpusAllowed,
  procRunDelayMs,
  procThreadCpuMs,
  procRssBytes,
  RELAY_SECRET,
  ROOT,
  sleep,
  stopChild,
  waitFor,
  type Contender,
  type Pinning,
} from './common';

interface LatencyStats {
  p50: number;
  p99: number;
  p999: number;
  max: number;
}

export interface RunStats {
  /** offered rate, requests/s */
  rate: number;
  seconds: number;
  sent: number;
  skipped: number;
  accepted: number;
  failed: number;
  delivered: number;
  acceptedPerSec: number;
  deliveredPerSec: number;
  /** POST sent → frame received, ms */
  latencyMs: LatencyStats;
  /**
   * The server's CPU (user + system, every thread, from its own process.cpuUsage) per delivered
   * event, µs. Absent in results from before it was measured so (see `cpuMsPer1k`).
   */
  cpuUsPerEvent?: number;
  /** The server's CPU time over the run's wall time: 1 is the whole of one core. */
  serverCoreUse?: number;
  /**
   * Share of the run's wall time the server's main thread waited for its core while ready to run,
   * and the harness's processes for theirs (summed): other work on the machine, or in the harness's
   * case each other. High values mean a round measured the machine, not the server.
   */
  waitShare?: { server: number; harness: number };
  /** The harness's own CPU (load generators and client processes, /proc) per delivered event, µs. */
  harnessCpuUsPerEvent?: number;
  /** The server's CPU per delivered event by thread name (/proc, 10 ms ticks), µs: event loop, GC, thread pool, workers. */
  serverThreadsUsPerEvent?: Record<string, number>;
  /**
   * `--profile perf`: the server's CPU per delivered event (µs) by thread and by the code it ran
   * (kernel, JS, node's C++ and V8, SQLite, libc), from perf's samples of the measured seconds.
   */
  perfUsPerEvent?: Record<string, number>;
  /** Older results: the server's CPU per 1,000 delivered events in ms (the same number as µs per event), from /proc's 10 ms ticks. */
  cpuMsPer1k?: number;
  /** Older results: the harness's, likewise. */
  harnessCpuMsPer1k?: number;
  /** answers by status (or error), when some were not 200 */
  failures?: Record<string, number>;
}

/** The server's CPU per delivered event, µs, from any results file (older ones counted ms per 1,000 events: the same number). */
export const cpuUsOf = (s: RunStats): number => s.cpuUsPerEvent ?? s.cpuMsPer1k ?? Number.NaN;

export interface Ramp {
  steps: RunStats[];
  maxAcceptedPerSec: number;
  maxDeliveredPerSec: number;
}

/** One round of a plan run several times: the contenders take turns within each round. */
export interface Round {
  fixed?: RunStats;
  ramp?: Ramp;
  /** Absent in results from before they were kept per round. */
  rssPerAgentKB?: number;
  droppedSockets?: number;
}

export interface Scenario {
  contender: Contender;
  agents: number;
  connectMs: number;
  rssBaselineMB: number;
  rssConnectedMB: number;
  /** (RSS with N idle sockets − RSS before) / N, KB */
  rssPerAgentKB: number;
  /** The round with the median p99 (one round: that round). */
  fixed?: RunStats;
  /** The round with the median maximum delivered/s. */
  ramp?: Ramp;
  /** Every round, in order, when the plan has more than one; round i of each contender ran side by side. */
  rounds?: Round[];
  /** Over all rounds. */
  droppedSockets: number;
  /** The CPUs the server and the harness's processes were allowed (read back from /proc), when pinned. */
  cpus?: { server: string; harness: string };
}

export interface Plan {
  agents: number;
  /**
   * Runs of the whole comparison, the contenders in turn (rotated each round); figures and ratios
   * are the median over rounds (odd, so the median is a round). On a noisy machine one round's
   * verdict flips between runs.
   */
  rounds?: number;
  fixed?: { rate: number; seconds: number };
  ramp?: { rates: number[]; seconds: number };
}

export interface RelayBenchOptions {
  quick: boolean;
  contenders?: readonly Contender[];
  /** extra node flags for our relay's process (e.g. --cpu-prof) */
  relayExecArgv?: string[];
  /** instead of the standard sizes (profiling, experiments) */
  plans?: Plan[];
  /** perf samples each server through its fixed-rate run (files here, named by contender and agents). */
  perfDir?: string;
  /** The server's core and the harness's (this process, the load generators, the clients); none = unpinned. */
  pinning?: Pinning;
  log: (line: string) => void;
}

const WARM_UP_SECONDS = 4;
/** Keep-alive sockets of the load generator, one request in flight on each: beyond that, sends are skipped. */
const LOADGEN_SOCKETS = 128;

export function relayPlans(quick: boolean): Plan[] {
  if (quick)
    return [
      { agents: 20, rounds: 3, fixed: { rate: 200, seconds: 1 }, ramp: { rates: [500, 1500], seconds: 0.5 } },
      { agents: 200, fixed: { rate: 200, seconds: 0.5 } },
    ];
  const rates = [2000, 4000, 6000, 8000, 11_000, 15_000, 20_000];
  return [
    { agents: 100, fixed: { rate: 1000, seconds: 5 }, ramp: { rates, seconds: 2 } },
    // The goals' scenario: three rounds, so its verdicts do not hang on one noisy minute.
    { agents: 1000, rounds: 3, fixed: { rate: 1000, seconds: 5 }, ramp: { rates, seconds: 2 } },
    // 10,000 sockets: memory held, and latency at the same fixed rate (no ramp).
    { agents: 10_000, fixed: { rate: 1000, seconds: 3 } },
  ];
}

const latencyStats = (us: number[]): LatencyStats => {
  const sorted = Float64Array.from(us).sort();
  const ms = (v: number) => Math.round(v / 10) / 100;
  return {
    p50: ms(percentile(sorted, 50)),
    p99: ms(percentile(sorted, 99)),
    p999: ms(percentile(sorted, 99.9)),
    max: ms(sorted.at(-1) ?? Number.NaN),
  };
};

interface ClientReport {
  received: number;
  firstUs: number;
  lastUs: number;
  dropped: number;
  unparsable: number;
  latencies: number[];
}
interface LoadReport {
  sent: number;
  ok: number;
  failed: number;
  skipped: number;
  statuses: Record<string, number>;
  startUs: number;
  lastResponseUs: number;
}

async function runLoad(
  server: ChildProcess,
  clients: ChildProcess[],
  loadgens: ChildProcess[],
  port: number,
  emails: string[],
  rate: number,
  seconds: number,
  tag: string,
): Promise<RunStats> {
  await Promise.all(clients.map((c) => ask(c, { cmd: 'reset' }, 'reset-done')));
  const harness = [...clients, ...loadgens];
  const harnessCpu = () => harness.reduce((sum, c) => sum + procCpuMs(c.pid!), 0);
  const serverCpuUs = async () => (await ask<{ us: number }>(server, { cmd: 'cpu' }, 'cpu')).us;
  const cpu0 = await serverCpuUs();
  const threads0 = procThreadCpuMs(server.pid!);
  const harnessDelay = () => harness.reduce((sum, c) => sum + procRunDelayMs(c.pid!), 0);
  const delay0 = { server: procRunDelayMs(server.pid!), harness: harnessDelay() };
  const wall0 = performance.now();
  const harness0 = harnessCpu();
  const perGen = rate / loadgens.length;
  const loads = await Promise.all(
    loadgens.map((g, i) =>
      ask<LoadReport>(
        g,
        {
          cmd: 'run',
          port,
          // Each generator spreads its requests over every agent, starting at a different one.
          agents: [...emails.slice((i * emails.length) / loadgens.length), ...emails.slice(0, (i * emails.length) / loadgens.length)],
          rate: perGen,
          durationMs: seconds * 1000,
          sockets: LOADGEN_SOCKETS,
          idPrefix: `${tag}-${i}`,
        },
        'done',
        seconds * 1000 + 60_000,
      ),
    ),
  );
  const accepted = loads.reduce((s, l) => s + l.ok, 0);
  // Drain: wait until every accepted event has arrived (or a second passes without progress).
  let last = -1;
  for (let stalled = 0; stalled < 10; ) {
    const counts = await Promise.all(clients.map((c) => ask<{ received: number }>(c, { cmd: 'count' }, 'count')));
    const got = counts.reduce((s, c) => s + c.received, 0);
    if (got >= accepted) break;
    stalled = got === last ? stalled + 1 : 0;
    last = got;
    await sleep(100);
  }
  const cpu1 = await serverCpuUs();
  const threads1 = procThreadCpuMs(server.pid!);
  const delay1 = { server: procRunDelayMs(server.pid!), harness: harnessDelay() };
  const wallMs = performance.now() - wall0;
  const harness1 = harnessCpu();
  const reports = await Promise.all(clients.map((c) => ask<ClientReport>(c, { cmd: 'report' }, 'report')));
  const delivered = reports.reduce((s, r) => s + r.received, 0);
  const startUs = Math.min(...loads.map((l) => l.startUs));
  const endResp = Math.max(...loads.map((l) => l.lastResponseUs));
  const endRecv = Math.max(...reports.map((r) => r.lastUs));
  const latencies = reports.flatMap((r) => r.latencies);
  const failed = loads.reduce((s, l) => s + l.failed, 0);
  const stats: RunStats = {
    rate,
    seconds,
    sent: loads.reduce((s, l) => s + l.sent, 0),
    skipped: loads.reduce((s, l) => s + l.skipped, 0),
    accepted,
    failed,
    delivered,
    acceptedPerSec: Math.round(accepted / ((endResp - startUs) / 1e6)),
    deliveredPerSec: delivered ? Math.round(delivered / ((endRecv - startUs) / 1e6)) : 0,
    latencyMs: latencyStats(latencies),
    cpuUsPerEvent: delivered ? Math.round(((cpu1 - cpu0) / delivered) * 10) / 10 : Number.NaN,
    serverCoreUse: Math.round(((cpu1 - cpu0) / 1000 / wallMs) * 1000) / 1000,
    waitShare: {
      server: Math.round(((delay1.server - delay0.server) / wallMs) * 1000) / 1000,
      harness: Math.round(((delay1.harness - delay0.harness) / wallMs) * 1000) / 1000,
    },
    harnessCpuUsPerEvent: delivered ? Math.round(((harness1 - harness0) / delivered) * 1000 * 10) / 10 : Number.NaN,
    serverThreadsUsPerEvent: Object.fromEntries(
      Object.entries(threads1).map(([name, ms]) => [
        name,
        delivered ? Math.round(((ms - (threads0[name] ?? 0)) / delivered) * 1000 * 10) / 10 : Number.NaN,
      ]),
    ),
  };
  if (failed) stats.failures = Object.assign({}, ...loads.map((l) => l.statuses)) as Record<string, number>;
  return stats;
}

/**
 * Our relay as the package ships it: `entry` (relay.ts: this tree's, or another revision's for
 * bench/ab.ts through BENCH_RELAY_SRC) bundled with the package build's options. Built again for every
 * run (~0.2 s), so it is always the code at hand; inside node_modules, so its dependencies resolve as
 * the tree's do and no tool scans it.
 */
async function bundleRelay(entry = process.env.BENCH_RELAY_SRC ?? resolve(RELAY_DIR, 'src/relay.ts')): Promise<string> {
  const out = resolve(ROOT, 'node_modules/.bench-build', createHash('sha256').update(entry).digest('hex').slice(0, 12), 'relay.mjs');
  await build({ ...relayBundleOptions(), entryPoints: [entry], outfile: out });
  return out;
}

async function runScenario(contender: Contender, plan: Plan, opts: RelayBenchOptions): Promise<Scenario> {
  const { log } = opts;
  // Our relay with the node flags it is deployed with (its systemd unit's NODE_OPTIONS).
  const execArgv = [
    '--expose-gc',
    // perf names JIT-compiled code from the map this writes (every contender, so their profiles read alike).
    ...(opts.perfDir ? ['--perf-basic-prof'] : []),
    ...(contender === 'relay' ? [...deployedNodeFlags(), ...(opts.relayExecArgv ?? [])] : []),
  ];
  const pin = opts.pinning;
  const server = forkTs(
    `${contender === 'relay' ? 'relay' : contender === 'floor' ? 'floor' : 'socketio'}-server.ts`,
    [],
    execArgv,
    pin && { cpu: pin.server, nice: pin.nice },
    contender === 'relay' ? { BENCH_RELAY_BUNDLE: await bundleRelay() } : {},
  );
  const children: ChildProcess[] = [server];
  try {
    const { port } = await waitFor<{ port: number }>(server, 'ready');
    await sleep(300);
    await ask(server, { cmd: 'gc' }, 'gc-done');
    const rss0 = procRssBytes(server.pid!);

    // One of each: on the harness's single core, a second process adds switches, not capacity.
    const nClients = 1;
    const harnessPlace = pin && { cpu: pin.harness, nice: pin.nice };
    const clients = [forkTs('clients.ts', [], [], harnessPlace)];
    const loadgens = [forkTs('loadgen.ts', [], [], harnessPlace)];
    children.push(...clients, ...loadgens);
    await Promise.all([...clients, ...loadgens].map((c) => waitFor(c, 'up')));

    const emails = Array.from({ length: plan.agents }, (_, i) => agentEmail(i));
    const agents = emails.map((email) => ({
      email,
      token: contender === 'relay' ? issueRelayToken(RELAY_SECRET, email).token : undefined,
    }));
    const t0 = performance.now();
    await Promise.all(
      clients.map((c, i) =>
        ask(
          c,
          { cmd: 'connect', contender, port, agents: agents.filter((_, j) => j % nClients === i), concurrency: 200 },
          'connected',
          180_000,
        ),
      ),
    );
    const connectMs = Math.round(performance.now() - t0);
    await sleep(plan.agents >= 10_000 ? 2000 : 700);
    await ask(server, { cmd: 'gc' }, 'gc-done');
    await sleep(200);
    const rss1 = procRssBytes(server.pid!);
    const scenario: Scenario = {
      contender,
      agents: plan.agents,
      connectMs,
      rssBaselineMB: Math.round(rss0 / 1e5) / 10,
      rssConnectedMB: Math.round(rss1 / 1e5) / 10,
      rssPerAgentKB: Math.round(((rss1 - rss0) / plan.agents / 1024) * 10) / 10,
      droppedSockets: 0,
      ...(pin && { cpus: { server: procCpusAllowed(server.pid!), harness: procCpusAllowed(loadgens[0]!.pid!) } }),
    };
    log(
      `  ${contender.padEnd(8)} ${String(plan.agents).padStart(6)} agents: connected in ${connectMs} ms, ${scenario.rssPerAgentKB} KB/agent`,
    );

    if (plan.fixed) {
      // Warm-up at the fixed rate, not measured: JIT (the harness's processes too), SQLite page cache,
      // keep-alive sockets. After 1 s at 500/s, both sides were still warming up: the harness spent
      // 360–410 µs of CPU per event then vs 260–310 after 4 s, and our relay's p99 was 7–15 ms vs 6–7.5.
      await runLoad(server, clients, loadgens, port, emails, plan.fixed.rate, opts.quick ? 0.3 : WARM_UP_SECONDS, 'warm');
      const perfFile = opts.perfDir && resolve(opts.perfDir, `${contender}-${plan.agents}-${Date.now()}.perf.data`);
      const perf = perfFile ? startPerf(server.pid!, perfFile, pin?.harness) : undefined;
      scenario.fixed = await runLoad(server, clients, loadgens, port, emails, plan.fixed.rate, plan.fixed.seconds, 'fixed');
      const f = scenario.fixed;
      if (perf) {
        await perf.stop();
        f.perfUsPerEvent = perfUsPerEvent(perfFile!, f.cpuUsPerEvent!);
        log(
          `    perf, µs per event: ${Object.entries(f.perfUsPerEvent)
            .map(([k, us]) => `${k} ${us}`)
            .join(', ')} (${perfFile})`,
        );
      }
      log(
        `    fixed ${f.rate}/s: p50 ${f.latencyMs.p50} ms, p99 ${f.latencyMs.p99} ms, p99.9 ${f.latencyMs.p999} ms, CPU ${f.cpuUsPerEvent} µs/event (server core ${pct(f.serverCoreUse)}; by thread ${threadsText(f)}; waited for a core: server ${pct(f.waitShare?.server)}, harness ${pct(f.waitShare?.harness)})`,
      );
    }
    if (plan.ramp) {
      const steps: RunStats[] = [];
      let failedSteps = 0;
      for (const rate of plan.ramp.rates) {
        const s = await runLoad(server, clients, loadgens, port, emails, rate, plan.ramp.seconds, `ramp${rate}`);
        steps.push(s);
        log(
          `    ramp ${rate}/s: accepted ${s.acceptedPerSec}/s, delivered ${s.deliveredPerSec}/s, p99 ${s.latencyMs.p99} ms, skipped ${s.skipped}, CPU µs/event server ${s.cpuUsPerEvent} (core ${pct(s.serverCoreUse)}; ${threadsText(s)}) + harness ${s.harnessCpuUsPerEvent}; waited: server ${pct(s.waitShare?.server)}, harness ${pct(s.waitShare?.harness)}`,
        );
        // Saturated: the server no longer keeps up with the offered rate, at two steps in a row (on
        // a machine shared with other work, one step can fall short for a reason of its own).
        const short = s.accepted < 0.9 * (s.sent + s.skipped) || s.acceptedPerSec < 0.9 * rate;
        failedSteps = short ? failedSteps + 1 : 0;
        if (failedSteps === 2) break;
      }
      scenario.ramp = {
        steps,
        maxAcceptedPerSec: Math.max(...steps.map((s) => s.acceptedPerSec)),
        maxDeliveredPerSec: Math.max(...steps.map((s) => s.deliveredPerSec)),
      };
    }
    const final = await Promise.all(clients.map((c) => ask<ClientReport>(c, { cmd: 'report' }, 'report')));
    scenario.droppedSockets = final.reduce((s, r) => s + r.dropped, 0);
    await Promise.all(clients.map((c) => ask(c, { cmd: 'close' }, 'closed').catch(() => undefined)));
    return scenario;
  } finally {
    await Promise.all(children.map((c) => stopChild(c)));
  }
}

const threadsText = (s: RunStats) =>
  Object.entries(s.serverThreadsUsPerEvent ?? {})
    .filter(([, us]) => us > 0)
    .map(([name, us]) => `${name} ${us}`)
    .join(', ');
const pct = (share: number | undefined) => (share === undefined ? '—' : `${Math.round(share * 100)}%`);

export async function runRelayBench(opts: RelayBenchOptions): Promise<Scenario[]> {
  if (opts.pinning) {
    // This process too: it reads the clients' reports and sorts latencies between runs.
    pinSelf(String(opts.pinning.harness));
    try {
      return await runPlans(opts);
    } finally {
      // What runs next (the extension's Chromium, the kill -9 test) gets every core back.
      pinSelf(`0-${availableParallelism() - 1}`);
    }
  }
  return runPlans(opts);
}

async function runPlans(opts: RelayBenchOptions): Promise<Scenario[]> {
  const out: Scenario[] = [];
  const contenders = opts.contenders ?? CONTENDERS;
  for (const plan of opts.plans ?? relayPlans(opts.quick)) {
    const rounds = plan.rounds ?? 1;
    const runs = new Map<Contender, Scenario[]>(contenders.map((c) => [c, []]));
    for (let r = 0; r < rounds; r++) {
      if (rounds > 1) opts.log(`  round ${r + 1} of ${rounds}`);
      // Rotated, so no contender always runs first (or last) in a machine state that drifts.
      for (const contender of [...contenders.slice(r % contenders.length), ...contenders.slice(0, r % contenders.length)]) {
        runs.get(contender)!.push(await runScenario(contender, plan, opts));
      }
    }
    for (const contender of contenders) out.push(combineRounds(runs.get(contender)!));
  }
  return out;
}

/** One scenario from a contender's rounds: each headline figure is its median round's. */
export function combineRounds(runs: Scenario[]): Scenario {
  if (runs.length === 1) return runs[0]!;
  const memory = medianBy(runs, (s) => s.rssPerAgentKB)!;
  const withFixed = runs.filter((s) => s.fixed);
  const withRamp = runs.filter((s) => s.ramp);
  return {
    ...memory,
    fixed: withFixed.length ? medianBy(withFixed, (s) => s.fixed!.latencyMs.p99)!.fixed : undefined,
    ramp: withRamp.length ? medianBy(withRamp, (s) => s.ramp!.maxDeliveredPerSec)!.ramp : undefined,
    rounds: runs.map(({ fixed, ramp, rssPerAgentKB, droppedSockets }) => ({ fixed, ramp, rssPerAgentKB, droppedSockets })),
    droppedSockets: runs.reduce((n, s) => n + s.droppedSockets, 0),
  };
}

export const PROFILE_DIR = resolve(BENCH_DIR, 'results/profiles');
