// The goal table is what the note and bench/README.md quote, so its arithmetic is checked here
// on hand-made results rather than on a (noisy) run.
import { expect, it } from 'vitest';
import { combineRounds, type RunStats, type Scenario } from '../../bench/relay-bench';
import { evaluateGoals } from '../../bench/goals';

const step = (rate: number, delivered: number, cpuMsPer1k: number, harnessCpuMsPer1k: number): RunStats => ({
  rate,
  seconds: 2,
  sent: rate * 2,
  skipped: 0,
  accepted: delivered * 2,
  failed: 0,
  delivered: delivered * 2,
  acceptedPerSec: delivered,
  deliveredPerSec: delivered,
  latencyMs: { p50: 1, p99: 5, p999: 9, max: 12 },
  cpuMsPer1k,
  harnessCpuMsPer1k,
});

const scenario = (contender: Scenario['contender'], steps: RunStats[]): Scenario => ({
  contender,
  agents: 1000,
  connectMs: 100,
  rssBaselineMB: 50,
  rssConnectedMB: 60,
  rssPerAgentKB: 10,
  droppedSockets: 0,
  fixed: step(1000, 1000, 500, 300),
  ramp: {
    steps,
    maxAcceptedPerSec: Math.max(...steps.map((s) => s.acceptedPerSec)),
    maxDeliveredPerSec: Math.max(...steps.map((s) => s.deliveredPerSec)),
  },
});

const machine = { cpu: 'test', cores: 2, memoryGB: 1, node: 'v20', platform: 'linux x64', loadAvgAtStart: [0, 0, 0] };

it('a throughput goal not met says how much CPU per event the harness leaves the server at the target rate', () => {
  const goals = evaluateGoals({
    quick: false,
    machine,
    relay: [
      scenario('relay', [step(4000, 4000, 200, 150), step(8000, 6000, 180, 120)]),
      scenario('floor', [step(8000, 8000, 70, 130), step(11_000, 9500, 65, 120)]),
      scenario('socketio', [step(8000, 6400, 125, 150)]),
    ],
  });
  const peer = goals.find((g) => g.goal.includes('1.5× Socket.IO'))!;
  expect(peer.pass).toBe(false);
  // Target 1.5 × 6,400 = 9,600/s: 2 cores give 208 µs per event, the harness took 120 of them at our top step.
  expect(peer.measured).toBe(
    '6000/s vs 6400/s = 0.938×; at 9600/s the harness alone needs 120 µs of CPU per event, leaving 88 µs per event for the server on 2 cores (ours uses 180, the floor 65)',
  );
  expect(goals.find((g) => g.goal.includes('0.6× floor'))!.pass).toBe(true);
});

it('results from before the harness was measured still evaluate, without the budget', () => {
  const old = (s: Scenario): Scenario => ({
    ...s,
    ramp: { ...s.ramp!, steps: s.ramp!.steps.map(({ harnessCpuMsPer1k: _, ...rest }) => rest as RunStats) },
  });
  const goals = evaluateGoals({
    quick: false,
    machine,
    relay: [
      old(scenario('relay', [step(8000, 6000, 180, 120)])),
      old(scenario('floor', [step(11_000, 9500, 65, 120)])),
      old(scenario('socketio', [step(8000, 6400, 125, 150)])),
    ],
  });
  expect(goals.find((g) => g.goal.includes('1.5× Socket.IO'))!.measured).toBe('6000/s vs 6400/s = 0.938×');
});

it('over several rounds, each ratio pairs the contenders round by round and the goal takes the median ratio, naming its round', () => {
  interface R {
    delivered: number;
    p99: number;
    rss?: number;
    cpu?: number;
    harness?: number;
  }
  const rounds = (contender: Scenario['contender'], rs: R[]) =>
    combineRounds(
      rs.map((r, i) => ({
        ...scenario(contender, [step(8000, r.delivered, r.cpu ?? 150, r.harness ?? 120)]),
        fixed: { ...step(1000, 1000, 500, 300), latencyMs: { p50: 1, p99: r.p99, p999: 20, max: 30 } },
        rssPerAgentKB: r.rss ?? 10,
        droppedSockets: i,
      })),
    );
  const ours = rounds('relay', [
    { delivered: 5000, p99: 12, rss: 12, harness: 100 },
    { delivered: 7000, p99: 30, rss: 8, harness: 110 },
    { delivered: 6000, p99: 9, rss: 10, harness: 120 },
  ]);
  const floor = rounds('floor', [
    { delivered: 10_000, p99: 7, cpu: 65 },
    { delivered: 10_000, p99: 12, cpu: 65 },
    { delivered: 11_000, p99: 4, cpu: 65 },
  ]);
  const peer = rounds('socketio', [
    { delivered: 4000, p99: 6 },
    { delivered: 5000, p99: 8 },
    { delivered: 4000, p99: 7 },
  ]);
  // Each headline is its own median round: ramp from round 3, p99 from round 1, memory from round 3.
  expect(ours.ramp!.maxDeliveredPerSec).toBe(6000);
  expect(ours.fixed!.latencyMs.p99).toBe(12);
  expect(ours.rssPerAgentKB).toBe(10);
  expect(floor.fixed!.latencyMs.p99).toBe(7);
  expect(ours.rounds!.map((r) => [r.rssPerAgentKB, r.droppedSockets])).toEqual([
    [12, 0],
    [8, 1],
    [10, 2],
  ]);
  expect(ours.droppedSockets).toBe(3);

  const goals = evaluateGoals({ quick: false, machine, relay: [ours, floor, peer] });
  const find = (text: string) => goals.find((g) => g.goal.includes(text))!;
  // Ratios of medians (6,000 vs 10,000 = 0.6×) would pass.
  expect(find('0.6× floor')).toMatchObject({
    measured: '6000/s vs 11000/s = 0.545× in round 3, the median of 3 rounds (0.5×, 0.7×, 0.545×)',
    pass: false,
  });
  // The budget is the median round's: 1.5 × 5,000/s, with that round's harness (110 µs).
  expect(find('1.5× Socket.IO')).toMatchObject({
    measured:
      '7000/s vs 5000/s = 1.4× in round 2, the median of 3 rounds (1.25×, 1.4×, 1.5×); ' +
      'at 7500/s the harness alone needs 110 µs of CPU per event, leaving 157 µs per event for the server on 2 cores (ours uses 150, the floor 65)',
    pass: false,
  });
  // Ratios 1.71, 2.5, 2.25 → 2.25: fails, though the medians (12 vs 7 ms) would say 1.71×.
  expect(find('≤ 2× floor')).toMatchObject({
    measured: '9 ms vs 4 ms = 2.25× in round 3, the median of 3 rounds (1.714×, 2.5×, 2.25×)',
    pass: false,
  });
  expect(find('< 10 ms')).toMatchObject({ measured: '12 ms in round 1, the median of 3 rounds (12, 30, 9 ms)', pass: false });
});

it('without a floor run, the Socket.IO goal is still evaluated (and the floor goals are left out)', () => {
  const goals = evaluateGoals({
    quick: false,
    machine,
    relay: [scenario('relay', [step(8000, 6000, 180, 120)]), scenario('socketio', [step(8000, 4000, 125, 150)])],
  });
  expect(goals.map((g) => g.goal).filter((g) => g.includes('agents'))).toEqual([
    'events delivered/s, durable, 1000 agents ≥ 1.5× Socket.IO',
    '1000 agents held, ≤ 16 KB RSS per idle agent',
  ]);
  expect(goals[0]).toMatchObject({ measured: '6000/s vs 4000/s = 1.5×', pass: true });
});

it('the team report goal takes the median of its runs and says where the time went', () => {
  const report = {
    days: 30,
    agents: 200,
    events: 600_000,
    source: 'the relay',
    rows: 600_000,
    runsMs: [980, 1010, 940],
    medianMs: 980,
    readMs: 700,
    computeMs: 280,
  };
  const [goal] = evaluateGoals({ quick: false, machine, report });
  expect(goal).toEqual({
    goal: 'team report over 600k events < 1 s (median of 3)',
    measured:
      '980 ms: rows read and tallied 700 ms + figures 280 ms (runs 980, 1010, 940 ms; 600000 rows, 200 agents × 30 days; rows from the relay)',
    pass: true,
  });
  // 1,000 ms is not under 1 s.
  expect(evaluateGoals({ quick: false, machine, report: { ...report, medianMs: 1000 } })[0]!.pass).toBe(false);
});

it('the board goal is on the p95 per update, and a run without Chromium says so and passes no verdict', () => {
  const board = { agents: 500, updates: 250, updateMs: { p50: 2.1, p95: 6.1, max: 51.7, median: 2.1 }, seedS: 1.3, snapshotMs: 562 };
  const [goal] = evaluateGoals({ quick: false, machine, board });
  expect(goal).toEqual({
    goal: "board with 500 agents: p95 per update < 50 ms (Chromium, the page's board-update measure)",
    measured: 'p95 6.1 ms (p50 2.1, max 51.7; 250 updates)',
    pass: true,
  });
  // A max over 50 ms alone does not fail it; a p95 of 50 ms does (not under 50).
  expect(evaluateGoals({ quick: false, machine, board: { ...board, updateMs: { ...board.updateMs, p95: 50 } } })[0]!.pass).toBe(false);
  expect(evaluateGoals({ quick: false, machine, board: { ...board, skipped: 'no Chromium found' } })[0]).toMatchObject({
    measured: 'no Chromium found',
    pass: null,
  });
});
