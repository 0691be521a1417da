// `npm run bench`: every benchmark (the relay's, the extension's, the team report's, the board's), then the goals
// as ratios (bench/goals.ts) and the tables (bench/report.ts).
//   --quick            smoke size (a few seconds per contender; what tests/bench/smoke.test.ts runs)
//   --only relay|extension|report|board   (implies --no-readme: the README shows whole runs only)
//   --json <path>      where to write the results (default bench/results/latest.json, quick: bench/results/quick.json)
//   --no-readme        do not rewrite the table in bench/README.md (a --quick run never does)
//   --profile cpu|heap run our relay's process with --cpu-prof / --heap-prof (files in bench/results/profiles)
//   --profile perf     perf samples every contender's server through its fixed-rate run: CPU per event by
//                      thread and code (kernel, JS, node, SQLite, libc); perf.data files in bench/results/profiles
//                      (a profiled run never rewrites the README)
//   --from <json>      run nothing: re-print a results file and rewrite the README table from it (not with --no-readme)
//   --agents <n>       only the plan with this many agents (focused runs; implies --no-readme)
//   --contenders a,b   only these contenders (relay, floor, socketio; implies --no-readme)
//   --no-pin           run servers and harness unpinned (by default each server gets core 1, the harness core 0)
//   --no-kill-test     skip the relay's kill -9 test (a full run runs it for the durability goal; --quick,
//                      --agents and --contenders never do)
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { runBoardBench } from './board';
import { BENCH_DIR, CONTENDERS, planPinning, ROOT, type Contender } from './common';
import { runExtensionBench } from './extension';
import { evaluateGoals } from './goals';
import { runKillTest } from './kill-test';
import { perfUnavailable } from './perf-profile';
import { PROFILE_DIR, relayPlans, runRelayBench } from './relay-bench';
import { renderTables, updateReadme } from './report';
import { runTeamReportBench } from './team-report';
import type { BenchResults } from './results';

const PARTS = ['relay', 'extension', 'report', 'board'] as const;
type Part = (typeof PARTS)[number];

function options(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      json: { type: 'string' },
      'no-readme': { type: 'boolean', default: false },
      profile: { type: 'string' },
      from: { type: 'string' },
      agents: { type: 'string' },
      contenders: { type: 'string' },
      'no-pin': { type: 'boolean', default: false },
      'no-kill-test': { type: 'boolean', default: false },
    },
  });
  const { only, profile, quick } = values;
  if (only && !PARTS.includes(only as Part)) throw new Error(`--only takes ${PARTS.join(', ')}`);
  if (profile && profile !== 'cpu' && profile !== 'heap' && profile !== 'perf') throw new Error('--profile takes cpu, heap or perf');
  const noPerf = profile === 'perf' ? perfUnavailable() : undefined;
  if (noPerf) throw new Error(`--profile perf: ${noPerf}`);
  const agents = values.agents === undefined ? undefined : Number(values.agents);
  const contenders = values.contenders?.split(',') as Contender[] | undefined;
  if (contenders?.some((c) => !CONTENDERS.includes(c))) throw new Error(`--contenders takes some of ${CONTENDERS.join(',')}`);
  const partial = agents !== undefined || contenders !== undefined || only !== undefined;
  return {
    quick,
    agents,
    contenders,
    only: only as Part | undefined,
    json: resolve(values.json ?? resolve(BENCH_DIR, 'results', quick ? 'quick.json' : 'latest.json')),
    // A profiled run's figures carry the profiler's cost.
    readme: !quick && !partial && !profile && !values['no-readme'],
    profile: profile as 'cpu' | 'heap' | 'perf' | undefined,
    from: values.from,
    pin: !values['no-pin'],
    killTest:
      !quick && agents === undefined && contenders === undefined && (only === undefined || only === 'relay') && !values['no-kill-test'],
  };
}

async function main() {
  const args = options(process.argv.slice(2));
  if (args.from !== undefined) {
    const path = resolve(args.from);
    const saved = JSON.parse(readFileSync(path, 'utf8')) as BenchResults;
    saved.goals = evaluateGoals(saved);
    writeFileSync(path, `${JSON.stringify(saved, null, 2)}\n`);
    if (!saved.quick && args.readme) updateReadme(saved, path);
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
      loadAvgAtStart: loadavg().map((l) => Math.round(l * 100) / 100),
    },
    durationS: 0,
    goals: [],
  };
  const runs = (part: Part) => args.only === undefined || args.only === part;
  if (runs('relay')) {
    const { pinning, note } = args.pin ? planPinning() : { note: 'unpinned (--no-pin): servers and harness share every core' };
    res.pinning = pinning ?? { note: note! };
    log(`relay: our relay vs the ws floor vs Socket.IO${args.quick ? ' (quick)' : ''}`);
    log(
      pinning
        ? `  each server pinned to core ${pinning.server}; load generators, clients and this process to core ${pinning.harness}` +
            (pinning.nice === undefined ? '' : `; each in a scheduling group of its own at nice ${pinning.nice}`)
        : `  NOTE: ${note}`,
    );
    const relayExecArgv =
      args.profile === 'cpu' || args.profile === 'heap' ? [`--${args.profile}-prof`, `--${args.profile}-prof-dir`, PROFILE_DIR] : [];
    const perfDir = args.profile === 'perf' ? PROFILE_DIR : undefined;
    if (perfDir) mkdirSync(perfDir, { recursive: true });
    const plans = args.agents === undefined ? undefined : relayPlans(args.quick).filter((p) => p.agents === args.agents);
    if (plans?.length === 0) throw new Error(`--agents: no plan with ${args.agents} agents`);
    res.relay = await runRelayBench({ quick: args.quick, relayExecArgv, perfDir, log, plans, contenders: args.contenders, pinning });
  }
  if (args.killTest) {
    log('relay: kill -9 test (relay/test/reliability/relay-killed.test.ts)');
    res.killTest = runKillTest();
    const k = res.killTest;
    log(k.figures ? `  ${JSON.stringify(k.figures)}, ${k.seconds} s` : `  did not run: ${k.error}`);
  }
  if (runs('extension')) {
    log('extension');
    res.extension = await runExtensionBench({ quick: args.quick, log });
  }
  if (runs('report')) {
    log(`team report over generated events${args.quick ? ' (quick)' : ''}`);
    res.report = await runTeamReportBench({ quick: args.quick, log });
  }
  // A browser with 500 agents' rows: not in the smoke run (`--quick` alone, in npm test), which stays
  // short; `--only board --quick` runs it at smoke size.
  if (runs('board') && (!args.quick || args.only === 'board')) {
    log(`board: the live board in Chromium${args.quick ? ' (quick)' : ''}`);
    res.board = await runBoardBench({ quick: args.quick, log });
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
