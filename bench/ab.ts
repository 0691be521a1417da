// Our relay against itself at another git revision, in alternating runs (A B, B A, …) on the same
// pinned harness, so that a change is measured alone and both sides see the same machine state.
//   node --import tsx bench/ab.ts --base HEAD [--pairs 3] [--agents 1000] [--ramp 2000,4000,6000 | --no-ramp] [--b-flags='<node flags>']
// A = the relay at --base (git archive of relay/src), B = the working tree's, both with the systemd
// unit's node flags; --b-flags adds node flags to B's (after the unit's, so they win): with
// --base HEAD and a clean tree, a flag is measured alone. Prints each run and
// the median of the pairs' B/A ratios: CPU µs per delivered event at 1,000 ev/s and at the
// 6,000 ev/s step, p99 at 1,000 ev/s, and the most delivered/s.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { planPinning, ROOT } from './common';
import { cpuUsOf, runRelayBench, type Scenario } from './relay-bench';

const { values } = parseArgs({
  options: {
    base: { type: 'string', default: 'HEAD' },
    pairs: { type: 'string', default: '3' },
    agents: { type: 'string', default: '1000' },
    'no-ramp': { type: 'boolean', default: false },
    ramp: { type: 'string', default: '2000,4000,6000' },
    'b-flags': { type: 'string', default: '' },
  },
});
const pairs = Number(values.pairs);
const agents = Number(values.agents);
const sha = execFileSync('git', ['rev-parse', '--short', values.base!], { cwd: ROOT, encoding: 'utf8' }).trim();
// Inside node_modules: its imports (better-sqlite3, ws, @switchboard/protocol…) resolve as the working tree's do, and no tool scans it.
const dir = resolve(ROOT, 'node_modules/.bench-base', sha);
if (!existsSync(resolve(dir, 'relay/src/relay.ts'))) {
  mkdirSync(dir, { recursive: true });
  const tar = execFileSync('git', ['archive', sha, 'relay/src'], { cwd: ROOT });
  execFileSync('tar', ['-x', '-C', dir], { input: tar });
}
// ES modules, as the working tree's are (package scope lookups stop at node_modules).
writeFileSync(resolve(dir, 'package.json'), '{"type":"module"}\n');
const baseRelay = resolve(dir, 'relay/src/relay.ts');
const { pinning, note } = planPinning();
if (note) console.log(`NOTE: ${note}`);

const bFlags = values['b-flags']!.split(/\s+/).filter(Boolean);
const runOnce = async (src: string | undefined): Promise<Scenario> => {
  if (src) process.env.BENCH_RELAY_SRC = src;
  else delete process.env.BENCH_RELAY_SRC;
  const [s] = await runRelayBench({
    quick: false,
    log: () => undefined,
    contenders: ['relay'],
    pinning,
    relayExecArgv: src ? [] : bFlags,
    plans: [
      {
        agents,
        fixed: { rate: 1000, seconds: 5 },
        ...(values['no-ramp'] ? {} : { ramp: { rates: values.ramp!.split(',').map(Number), seconds: 2 } }),
      },
    ],
  });
  return s!;
};

interface Figures {
  cpu1k: number;
  threads1k?: Record<string, number>;
  p99: number;
  cpu6k?: number;
  max?: number;
}
const figures = (s: Scenario): Figures => {
  const step = s.ramp?.steps.find((x) => x.rate === 6000);
  return {
    cpu1k: cpuUsOf(s.fixed!),
    threads1k: s.fixed!.serverThreadsUsPerEvent,
    p99: s.fixed!.latencyMs.p99,
    cpu6k: step && cpuUsOf(step),
    max: s.ramp?.maxDeliveredPerSec,
  };
};
const threads = (t: Record<string, number> | undefined) =>
  Object.entries(t ?? {})
    .filter(([, us]) => us > 0)
    .map(([name, us]) => `${name} ${us}`)
    .join(', ');
const text = (f: Figures) =>
  `CPU ${f.cpu1k} µs/event @ 1k (${threads(f.threads1k)}), p99 ${f.p99} ms` +
  (f.max === undefined ? '' : `; @ 6k ${f.cpu6k ?? '—'} µs; max ${f.max}/s`);

console.log(`A = relay at ${sha}, B = working tree${bFlags.length ? ` with ${bFlags.join(' ')}` : ''}; ${pairs} pairs, ${agents} agents`);
const ratios: Record<'cpu1k' | 'p99' | 'cpu6k' | 'max', number[]> = { cpu1k: [], p99: [], cpu6k: [], max: [] };
for (let i = 0; i < pairs; i++) {
  const got: Partial<Record<'A' | 'B', Figures>> = {};
  for (const side of i % 2 === 0 ? (['A', 'B'] as const) : (['B', 'A'] as const)) {
    got[side] = figures(await runOnce(side === 'A' ? baseRelay : undefined));
    console.log(`  pair ${i + 1} ${side}: ${text(got[side]!)}`);
  }
  for (const k of Object.keys(ratios) as Array<keyof typeof ratios>) {
    const [a, b] = [got.A![k], got.B![k]];
    if (a !== undefined && b !== undefined) ratios[k].push(b / a);
  }
}
const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor((xs.length - 1) / 2)]!;
const summary = (k: keyof typeof ratios) =>
  ratios[k].length ? `${median(ratios[k]).toFixed(3)} (${ratios[k].map((r) => r.toFixed(3)).join(', ')})` : '—';
console.log(
  `B/A, median of pairs: CPU @ 1k ${summary('cpu1k')}; CPU @ 6k ${summary('cpu6k')}; p99 @ 1k ${summary('p99')}; max delivered ${summary('max')}`,
);
process.exit(0);
