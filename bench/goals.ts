// The goals `npm run bench` is held to, as ratios between contenders measured in the same run
// (bench/README.md "Goals"). Checked on hand-made results by tests/bench/goals.test.ts.
import { POPUP_BUDGET_BYTES } from '../scripts/size';
import { medianBy } from './common';
import type { Ramp, Round, Scenario } from './relay-bench';
import type { BenchResults } from './results';

export interface Goal {
  goal: string;
  measured: string;
  pass: boolean | null;
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

export function evaluateGoals(res: Pick<BenchResults, 'relay' | 'extension' | 'report' | 'board' | 'quick' | 'machine'>): Goal[] {
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
      pass: ext.popupGzipBytes <= POPUP_BUDGET_BYTES,
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
  const rep = res.report;
  if (rep) {
    goals.push({
      goal: `team report over ${Math.round(rep.events / 1000)}k events < 1 s (median of ${rep.runsMs.length})`,
      measured:
        `${rep.medianMs} ms: rows read and tallied ${rep.readMs} ms + figures ${rep.computeMs} ms (runs ${rep.runsMs.join(', ')} ms; ` +
        `${rep.rows} rows, ${rep.agents} agents × ${rep.days} days; rows from ${rep.source})`,
      pass: rep.medianMs < 1000,
    });
  }
  const board = res.board;
  if (board) {
    goals.push({
      goal: `board with ${board.agents} agents: p95 per update < 50 ms (Chromium, the page's board-update measure)`,
      measured:
        board.skipped ?? `p95 ${board.updateMs.p95} ms (p50 ${board.updateMs.p50}, max ${board.updateMs.max}; ${board.updates} updates)`,
      pass: board.skipped ? null : board.updateMs.p95 < 50,
    });
  }
  return goals;
}
