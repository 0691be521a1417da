// `npm run bench`: every benchmark, side by side, then the goals as ratios.
//   --quick            smoke size (a few seconds per contender; what tests/bench/smoke.test.ts runs)
//   --only relay|extension   (implies --no-readme: the README shows whole runs only)
//   --json <path>      where to write the results (default bench/results/latest.json, quick: bench/results/quick.json)
//   --no-readme        do not rewrite the table in bench/README.md (a --quick run never does)
//   --profile cpu|heap run our relay's process with --cpu-prof / --heap-prof (files in bench/results/profiles)
//   --from <json>      run nothing: re-print a results file and rewrite the README table from it
//   --agents <n>       only the plan with this many agents (focused runs; implies --no-readme)
//   --contenders a,b   only these contenders (relay, floor, socketio; implies --no-readme)
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, relative, resolve } from 'node:path';
import { runExtensionBench, type ExtensionResults } from './extension';
import { BENCH_DIR, CONTENDERS, medianBy, ROOT, type Contender } from './common';
import { PROFILE_DIR, relayPlans, runRelayBench, type Ramp, type Round, type Scenario } from './relay-bench';

export interface Goal {
  goal: string;
  measured: string;
  pass: boolean | null;
}

export interface BenchResults {
  quick: boolean;
  date: string;
  machine: { cpu: string; cores: number; memoryGB: number; node: string; platform: string; loadAvgAtStart: number[] };
  durationS: number;
  relay?: Scenario[];
  extension?: ExtensionResults;
  goals: Goal[];
}

function parseArgs(argv: string[]) {
  const flag = (name: string) => argv.includes(name);
  const value = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const only = value('--only');
  if (only && only !== 'relay' && only !== 'extension') throw new Error('--only takes relay or extension');
  const profile = value('--profile');
  if (profile && profile !== 'cpu' && profile !== 'heap') throw new Error('--profile takes cpu or heap');
  const quick = flag('--quick');
  const agents = value('--agents') === undefined ? undefined : Number(value('--agents'));
  const contenders = value('--contenders')?.split(',') as Contender[] | undefined;
  if (contenders?.some((c) => !CONTENDERS.includes(c))) throw new Error(`--contenders takes some of ${CONTENDERS.join(',')}`);
  const partial = agents !== undefined || contenders !== undefined || only !== undefined;
  return {
    quick,
    agents,
    contenders,
    only: only as 'relay' | 'extension' | undefined,
    json: resolve(value('--json') ?? resolve(BENCH_DIR, 'results', quick ? 'quick.json' : 'latest.json')),
    readme: !quick && !partial && !flag('--no-readme'),
    profile: profile as 'cpu' | 'heap' | undefined,
  };
}

/** The step where a contender delivered the most. */
const topStep = (ramp: Ramp) => ramp.steps.reduce((a, b) => (b.deliveredPerSec > a.deliveredPerSec ? b : a));

/** A scenario's rounds; results from before rounds were run count as one. */
const roundsOf = (s: Scenario): Round[] => s.rounds ?? [{ fixed: s.fixed, ramp: s.ramp }];

interface Paired {
  ours: number;
  theirs: number;
  ratio: number;
  round: number;
}

/**
 * Our figure over a contender's, round by round (round i of both ran side by side), and the round
 * with the median ratio: each ratio is measured in one run, as the goals ask.
 */
function pairedRatio(
  ours: Scenario,
  theirs: Scenario,
  value: (r: Round) => number | undefined,
): { median: Paired; all: Paired[] } | undefined {
  const a = roundsOf(ours);
  const b = roundsOf(theirs);
  const all: Paired[] = [];
  for (let round = 0; round < Math.min(a.length, b.length); round++) {
    const [x, y] = [value(a[round]!), value(b[round]!)];
    if (x !== undefined && y !== undefined) all.push({ ours: x, theirs: y, ratio: x / y, round });
  }
  const median = medianBy(all, (p) => p.ratio);
  return median && { median, all };
}

/** Three decimals: a round at 0.5993 must not print as the 0.6 it failed. */
const times = (ratio: number) => `${Math.round(ratio * 1000) / 1000}×`;

/** Which round the figures come from, and every round's ratio. */
const roundsNote = ({ median, all }: { median: Paired; all: Paired[] }) =>
  all.length > 1 ? ` in round ${median.round + 1}, the median of ${all.length} rounds (${all.map((p) => times(p.ratio)).join(', ')})` : '';

/**
 * What a server may spend per event to deliver `rate` events/s when the harness, which shares the
 * machine's cores, costs what it cost at our relay's top step. Old results files lack the figure.
 */
function cpuBudget(ours: Ramp, floor: Ramp, rate: number, cores: number): string | undefined {
  const harnessUs = topStep(ours).harnessCpuMsPer1k;
  if (!Number.isFinite(harnessUs)) return undefined;
  const budgetUs = (cores * 1e6) / rate - harnessUs;
  return (
    `; at ${Math.round(rate)}/s the harness alone needs ${Math.round(harnessUs)} µs of CPU per event, ` +
    `leaving ${Math.max(0, Math.round(budgetUs))} µs per event for the server on ${cores} cores ` +
    `(ours uses ${Math.round(topStep(ours).cpuMsPer1k)}, the floor ${Math.round(topStep(floor).cpuMsPer1k)})`
  );
}

export function evaluateGoals(res: Pick<BenchResults, 'relay' | 'extension' | 'quick' | 'machine'>): Goal[] {
  const goals: Goal[] = [];
  const rel = res.relay;
  if (rel?.length) {
    // The 1,000-agent scenario (at --quick size: the largest one with a ramp).
    const ramped = rel.filter((s) => s.ramp);
    const n = ramped.some((s) => s.agents === 1000) ? 1000 : Math.max(...ramped.map((s) => s.agents));
    const at = (c: string, agents: number) => rel.find((s) => s.contender === c && s.agents === agents);
    const [ours, floor, peer] = [at('relay', n), at('floor', n), at('socketio', n)];
    const delivered = (r: Round) => r.ramp?.maxDeliveredPerSec;
    const vsFloor = ours && floor && pairedRatio(ours, floor, delivered);
    const vsPeer = ours && peer && pairedRatio(ours, peer, delivered);
    if (vsFloor) {
      const { median: f } = vsFloor;
      goals.push({
        goal: `events delivered/s, durable, ${n} agents ≥ 0.6× floor`,
        measured: `${f.ours}/s vs ${f.theirs}/s = ${times(f.ratio)}${roundsNote(vsFloor)}`,
        pass: f.ratio >= 0.6,
      });
    }
    if (vsPeer) {
      const { median: p } = vsPeer;
      // The budget in the round that gave the median ratio.
      const [ourRamp, floorRamp] = [roundsOf(ours!)[p.round]!.ramp!, floor && roundsOf(floor)[p.round]?.ramp];
      goals.push({
        goal: `events delivered/s, durable, ${n} agents ≥ 1.5× Socket.IO`,
        measured:
          `${p.ours}/s vs ${p.theirs}/s = ${times(p.ratio)}${roundsNote(vsPeer)}` +
          (p.ratio < 1.5 && floorRamp ? (cpuBudget(ourRamp, floorRamp, 1.5 * p.theirs, res.machine.cores) ?? '') : ''),
        pass: p.ratio >= 1.5,
      });
    }
    const vsFloorP99 = ours && floor && pairedRatio(ours, floor, (r) => r.fixed?.latencyMs.p99);
    if (ours?.fixed && vsFloorP99) {
      const { median: m } = vsFloorP99;
      goals.push({
        goal: `p99 POST→frame @ ${ours.fixed.rate} ev/s, ${n} agents ≤ 2× floor`,
        measured: `${m.ours} ms vs ${m.theirs} ms = ${times(m.ratio)}${roundsNote(vsFloorP99)}`,
        pass: m.ratio <= 2,
      });
      const p99s = roundsOf(ours).flatMap((r, round) => (r.fixed ? [{ round, p99: r.fixed.latencyMs.p99 }] : []));
      const mid = medianBy(p99s, (r) => r.p99)!;
      goals.push({
        goal: `p99 POST→frame @ ${ours.fixed.rate} ev/s, ${n} agents < 10 ms`,
        measured: `${mid.p99} ms${p99s.length > 1 ? ` in round ${mid.round + 1}, the median of ${p99s.length} rounds (${p99s.map((r) => r.p99).join(', ')} ms)` : ''}`,
        pass: mid.p99 < 10,
      });
    }
    const most = Math.max(...rel.filter((s) => s.contender === 'relay').map((s) => s.agents));
    const big = at('relay', most);
    if (big) {
      goals.push({
        goal: `${most} agents held, ≤ 16 KB RSS per idle agent`,
        measured: `${big.rssPerAgentKB} KB/agent (${big.rssConnectedMB} MB with all connected), ${big.droppedSockets} sockets dropped`,
        pass: big.rssPerAgentKB <= 16 && big.droppedSockets === 0,
      });
    }
  }
  const ext = res.extension;
  if (ext) {
    goals.push({
      goal: 'popup JS + CSS ≤ 20 KB gzipped',
      measured: `${(ext.popupGzipBytes / 1024).toFixed(2)} KB (${ext.popupGzipBytes} bytes)`,
      pass: ext.popupGzipBytes <= 20 * 1024,
    });
    const b = ext.browser;
    // The toolbar popup when this Chromium could open it; otherwise (and in results from before it was measured) the page in a tab.
    const popupTti = b?.toolbarTtiMs ?? b?.ttiMs;
    goals.push({
      goal: 'popup interactive < 100 ms (median)',
      measured: !b
        ? (ext.skipped ?? 'not measured')
        : b.toolbarTtiMs
          ? `${b.toolbarTtiMs.median} ms, the toolbar popup from its navigation` +
            ` (from the openPopup call: ${b.toolbarOpenToTtiMs?.median ?? '—'} ms; the page in a tab: ${b.ttiMs.median} ms` +
            `${b.toolbarSkipped ? `; ${b.toolbarSkipped}` : ''})`
          : `${b.ttiMs.median} ms, the page in a tab${b.toolbarSkipped ? ` (toolbar popup not measured: ${b.toolbarSkipped})` : ''}`,
      pass: popupTti ? popupTti.median < 100 : null,
    });
    goals.push({
      goal: `worker cold start → backlog of ${b?.coldStart.backlog ?? 100} handled < 1 s (median)`,
      measured: b
        ? `${b.coldStart.backlogHandledMs.median} ms (relay connected after ${b.coldStart.connectedMs.median} ms)`
        : (ext.skipped ?? 'not measured'),
      pass: b ? b.coldStart.backlogHandledMs.median < 1000 : null,
    });
  }
  return goals;
}

function mdTable(header: string[], rows: Array<Array<string | number>>): string {
  const line = (cells: Array<string | number>) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

export function renderTables(res: BenchResults): string {
  const parts: string[] = [];
  const m = res.machine;
  parts.push(
    `Run ${res.date} on ${m.cpu} × ${m.cores} cores, ${m.memoryGB} GB, Node ${m.node} (${m.platform}); load average at start ${m.loadAvgAtStart.join(' / ')}; took ${res.durationS} s${res.quick ? ' (--quick: smoke sizes, figures not meaningful)' : ''}.`,
  );
  if (res.relay?.length) {
    parts.push(
      mdTable(
        [
          'contender',
          'agents',
          'KB RSS / idle agent',
          'fixed rate',
          'p50 ms',
          'p99 ms',
          'p99.9 ms',
          'CPU ms / 1k events',
          'max accepted/s',
          'max delivered/s',
        ],
        res.relay.map((s) => [
          s.contender === 'relay' ? '**relay (durable)**' : s.contender === 'floor' ? 'floor (ws)' : 'Socket.IO',
          s.rounds ? `${s.agents} (${s.rounds.length} rounds)` : s.agents,
          s.rssPerAgentKB,
          s.fixed ? `${s.fixed.rate}/s × ${s.fixed.seconds} s` : '—',
          s.fixed?.latencyMs.p50 ?? '—',
          s.fixed?.latencyMs.p99 ?? '—',
          s.fixed?.latencyMs.p999 ?? '—',
          s.fixed?.cpuMsPer1k ?? '—',
          s.ramp?.maxAcceptedPerSec ?? '—',
          s.ramp?.maxDeliveredPerSec ?? '—',
        ]),
      ),
    );
  }
  const b = res.extension?.browser;
  if (res.extension) {
    parts.push(
      mdTable(
        ['extension', 'value'],
        [
          ['popup JS + CSS gzipped', `${(res.extension.popupGzipBytes / 1024).toFixed(2)} KB`],
          [
            `toolbar popup interactive, from its navigation (median of ${b?.toolbarTtiMs?.samples.length ?? 0})`,
            b?.toolbarTtiMs ? `${b.toolbarTtiMs.median} ms` : (b?.toolbarSkipped ?? res.extension.skipped ?? '—'),
          ],
          ['toolbar popup: openPopup call → interactive', b?.toolbarOpenToTtiMs ? `${b.toolbarOpenToTtiMs.median} ms` : '—'],
          [
            `popup page in a tab interactive, from its navigation (median of ${b?.ttiMs.samples.length ?? 0})`,
            b ? `${b.ttiMs.median} ms` : (res.extension.skipped ?? '—'),
          ],
          [
            `click → request at the sandbox (median of ${b?.clickToRequestMs.samples.length ?? 0})`,
            b ? `${b.clickToRequestMs.median} ms` : '—',
          ],
          [
            `worker cold start → relay connected (median of ${b?.coldStart.connectedMs.samples.length ?? 0})`,
            b ? `${b.coldStart.connectedMs.median} ms` : '—',
          ],
          [`worker cold start → backlog of ${b?.coldStart.backlog ?? 100} handled`, b ? `${b.coldStart.backlogHandledMs.median} ms` : '—'],
        ],
      ),
    );
  }
  if (res.goals.length) {
    parts.push(
      mdTable(
        ['goal', 'measured', ''],
        res.goals.map((g) => [g.goal, g.measured, g.pass === null ? '—' : g.pass ? '✅ pass' : '❌ fail']),
      ),
    );
  }
  return parts.join('\n\n');
}

const START = '<!-- bench:results:start -->';
const END = '<!-- bench:results:end -->';

function updateReadme(res: BenchResults, jsonPath: string): void {
  const path = resolve(BENCH_DIR, 'README.md');
  const text = readFileSync(path, 'utf8');
  const a = text.indexOf(START);
  const z = text.indexOf(END);
  if (a < 0 || z < a) throw new Error(`bench/README.md lacks the ${START} … ${END} markers`);
  const body = `${START}\n<!-- written by npm run bench; do not edit by hand -->\n\n${renderTables(res)}\n\nRaw figures: [${relative(BENCH_DIR, jsonPath)}](${relative(BENCH_DIR, jsonPath)}).\n\n${END}`;
  writeFileSync(path, text.slice(0, a) + body + text.slice(z + END.length));
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const from = process.argv.indexOf('--from');
  if (from > 0) {
    const path = resolve(process.argv[from + 1]!);
    const saved = JSON.parse(readFileSync(path, 'utf8')) as BenchResults;
    saved.goals = evaluateGoals(saved);
    writeFileSync(path, `${JSON.stringify(saved, null, 2)}\n`);
    if (!saved.quick) updateReadme(saved, path);
    console.log(renderTables(saved));
    return;
  }
  const started = Date.now();
  const log = (line: string) => console.log(line);
  const res: BenchResults = {
    quick: args.quick,
    date: new Date().toISOString(),
    machine: {
      cpu: cpus()[0]?.model.trim() ?? 'unknown',
      cores: cpus().length,
      memoryGB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      platform: `${process.platform} ${process.arch}`,
      loadAvgAtStart: (await import('node:os')).loadavg().map((l) => Math.round(l * 100) / 100),
    },
    durationS: 0,
    goals: [],
  };
  if (args.only !== 'extension') {
    log(`relay: our relay vs the ws floor vs Socket.IO${args.quick ? ' (quick)' : ''}`);
    const relayExecArgv = args.profile
      ? [args.profile === 'cpu' ? '--cpu-prof' : '--heap-prof', args.profile === 'cpu' ? '--cpu-prof-dir' : '--heap-prof-dir', PROFILE_DIR]
      : [];
    const plans = args.agents === undefined ? undefined : relayPlans(args.quick).filter((p) => p.agents === args.agents);
    if (plans?.length === 0) throw new Error(`--agents: no plan with ${args.agents} agents`);
    res.relay = await runRelayBench({ quick: args.quick, relayExecArgv, log, plans, contenders: args.contenders });
  }
  if (args.only !== 'relay') {
    log('extension');
    res.extension = await runExtensionBench({ quick: args.quick, log });
  }
  res.goals = evaluateGoals(res);
  res.durationS = Math.round((Date.now() - started) / 1000);
  mkdirSync(dirname(args.json), { recursive: true });
  writeFileSync(args.json, `${JSON.stringify(res, null, 2)}\n`);
  if (args.readme) updateReadme(res, args.json);
  console.log(`\n${renderTables(res)}\n`);
  console.log(`results: ${relative(ROOT, args.json)}${args.readme ? ', bench/README.md' : ''}`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
