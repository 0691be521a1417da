// The goal table is what the note and bench/README.md quote, so its arithmetic is checked here
// on hand-made results rather than on a (noisy) run.
import { expect, it } from 'vitest';
import { evaluateGoals } from '../../bench/goals';
import { combineRounds, type RunStats, type Scenario } from '../../bench/relay-bench';
import type { BenchResults } from '../../bench/results';

const step = (rate: number, delivered: number, cpuUsPerEvent: number, serverCoreUse = 0.5): RunStats => ({
  rate,
  seconds: 2,
  sent: rate * 2,
  skipped: 0,
  accepted: delivered * 2,
  failed: 0,
  delivered: delivered * 2,
  acceptedPerSec: delivered,
  deliveredPerSec: delivered,
  latencyMs: { p50: 1, p99: 4, p999: 9, max: 12 },
  cpuUsPerEvent,
  serverCoreUse,
  harnessCpuUsPerEvent: 50,
});

const scenario = (contender: Scenario['contender'], steps: RunStats[], fixedCpu = 200): Scenario => ({
  contender,
  agents: 1000,
  connectMs: 100,
  rssBaselineMB: 50,
  rssConnectedMB: 60,
  rssPerAgentKB: 7,
  droppedSockets: 0,
  fixed: step(1000, 1000, fixedCpu),
  ramp: {
    steps,
    maxAcceptedPerSec: Math.max(...steps.map((s) => s.acceptedPerSec)),
    maxDeliveredPerSec: Math.max(...steps.map((s) => s.deliveredPerSec)),
  },
});

const machine = { cpu: 'test', cores: 2, memoryGB: 1, node: 'v24', platform: 'linux x64', loadAvgAtStart: [0, 0, 0] };
const pinning = { server: 1, harness: 0 };
const find = (goals: ReturnType<typeof evaluateGoals>, text: string) => {
  const g = goals.find((x) => x.goal.includes(text));
  if (!g) throw new Error(`no goal with "${text}" in ${goals.map((x) => x.goal).join(' / ')}`);
  return g;
};

it('CPU per event is compared with Socket.IO at the fixed rate and at the 6,000 ev/s step; throughput per server core with both peers', () => {
  const goals = evaluateGoals({
    quick: false,
    machine,
    pinning,
    relay: [
      scenario('relay', [step(2000, 2000, 120), step(6000, 6000, 70, 0.42), step(8000, 7000, 65, 0.9)], 240),
      scenario('floor', [step(6000, 6000, 45), step(11_000, 10_000, 40, 0.55)], 150),
      scenario('socketio', [step(6000, 6000, 60), step(8000, 7000, 58, 0.6)], 200),
    ],
  });
  // 240 / 200 = 1.2 ≤ 1.25; 70 / 60 = 1.167.
  expect(find(goals, '@ 1000 ev/s, 1000 agents ≤ 1.25× Socket.IO')).toMatchObject({
    goal: 'CPU per delivered event @ 1000 ev/s, 1000 agents ≤ 1.25× Socket.IO',
    measured: '240 µs vs 200 µs = 1.2×',
    pass: true,
  });
  expect(find(goals, 'at the 6000 ev/s ramp step')).toMatchObject({ measured: '70 µs vs 60 µs = 1.167×', pass: true });
  // 7,000 vs 7,000 = 1.0 ≥ 1.0; vs the floor's 10,000: 0.7 ≥ 0.7. Each says how busy the server's core was.
  expect(find(goals, '≥ 1× Socket.IO')).toMatchObject({
    goal: 'max delivered/s per server core, 1000 agents ≥ 1× Socket.IO',
    measured: '7000/s vs 7000/s = 1×; server core busy at the top step: ours 90%, theirs 60%',
    pass: true,
  });
  expect(find(goals, '≥ 0.7× floor')).toMatchObject({
    measured: '7000/s vs 10000/s = 0.7×; server core busy at the top step: ours 90%, theirs 55%',
    pass: true,
  });
  expect(find(goals, '< 5 ms')).toMatchObject({ measured: '4 ms', pass: true });
  expect(find(goals, '≤ 2× floor')).toMatchObject({ measured: '4 ms vs 4 ms = 1×', pass: true });
  expect(find(goals, 'KB RSS per idle agent')).toMatchObject({ goal: '1000 agents held, ≤ 8 KB RSS per idle agent', pass: true });
});

it('a ramp that stopped before the 6,000 ev/s step fails the CPU goal at that step, saying so', () => {
  const goals = evaluateGoals({
    quick: false,
    machine,
    pinning,
    relay: [
      scenario('relay', [step(2000, 2000, 120), step(4000, 3000, 100, 0.99)]),
      scenario('socketio', [step(6000, 6000, 60), step(8000, 7000, 58)]),
    ],
  });
  expect(find(goals, 'at the 6000 ev/s ramp step')).toMatchObject({
    measured: 'step not reached; our ramp stopped below 6000/s in 1 round',
    pass: false,
  });
  // Unpinned results name the throughput per machine, not per core.
  const unpinned = evaluateGoals({
    quick: false,
    machine,
    relay: [scenario('relay', [step(8000, 7000, 65)]), scenario('socketio', [step(8000, 7000, 58)])],
  });
  expect(find(unpinned, 'max delivered/s').goal).toBe('max delivered/s on the whole machine (unpinned), 1000 agents ≥ 1× Socket.IO');
});

it('over several rounds, each ratio pairs the contenders round by round and the goal takes the median ratio, naming its round', () => {
  interface R {
    delivered: number;
    p99: number;
    cpu: number;
    cpu6k?: number;
    rss?: number;
  }
  const rounds = (contender: Scenario['contender'], rs: R[]) =>
    combineRounds(
      rs.map((r, i) => ({
        ...scenario(contender, [step(6000, Math.min(6000, r.delivered), r.cpu6k ?? 60), step(8000, r.delivered, 55)]),
        fixed: { ...step(1000, 1000, r.cpu), latencyMs: { p50: 1, p99: r.p99, p999: 20, max: 30 } },
        rssPerAgentKB: r.rss ?? 7,
        droppedSockets: i,
      })),
    );
  const ours = rounds('relay', [
    { delivered: 5000, p99: 12, cpu: 300, cpu6k: 90, rss: 12 },
    { delivered: 7000, p99: 30, cpu: 260, cpu6k: 70, rss: 6 },
    { delivered: 6000, p99: 4.5, cpu: 280, cpu6k: 80, rss: 7.5 },
  ]);
  const floor = rounds('floor', [
    { delivered: 10_000, p99: 7, cpu: 100 },
    { delivered: 10_000, p99: 12, cpu: 100 },
    { delivered: 11_000, p99: 2, cpu: 100 },
  ]);
  const peer = rounds('socketio', [
    { delivered: 4000, p99: 6, cpu: 200, cpu6k: 60 },
    { delivered: 8000, p99: 8, cpu: 200, cpu6k: 60 },
    { delivered: 5000, p99: 7, cpu: 250, cpu6k: 80 },
  ]);
  // Each headline is its own median round: ramp from round 3, p99 from round 1, memory from round 3.
  expect(ours.ramp!.maxDeliveredPerSec).toBe(6000);
  expect(ours.fixed!.latencyMs.p99).toBe(12);
  expect(ours.rssPerAgentKB).toBe(7.5);
  expect(ours.droppedSockets).toBe(3);

  const goals = evaluateGoals({ quick: false, machine, pinning, relay: [ours, floor, peer] });
  // Ratios 1.5, 1.3, 1.12 → 1.3: fails, though the medians of each (280 vs 200 µs = 1.4×) would say otherwise too.
  expect(find(goals, '@ 1000 ev/s, 1000 agents ≤ 1.25× Socket.IO')).toMatchObject({
    measured: '260 µs vs 200 µs = 1.3× in round 2, the median of 3 rounds (1.5×, 1.3×, 1.12×)',
    pass: false,
  });
  // 90/60 = 1.5, 70/60 = 1.167, 80/80 = 1 → 1.167 passes.
  expect(find(goals, 'at the 6000 ev/s ramp step')).toMatchObject({
    measured: '70 µs vs 60 µs = 1.167× in round 2, the median of 3 rounds (1.5×, 1.167×, 1×)',
    pass: true,
  });
  // 1.25, 0.875, 1.2 → 1.2 passes; the ratio of medians (6,000 vs 5,000) would say the same, but from no one round.
  expect(find(goals, '≥ 1× Socket.IO')).toMatchObject({
    measured:
      '6000/s vs 5000/s = 1.2× in round 3, the median of 3 rounds (1.25×, 0.875×, 1.2×); server core busy at the top step: ours 50%, theirs 50%',
    pass: true,
  });
  // 0.5, 0.7, 0.545 → 0.545 fails.
  expect(find(goals, '≥ 0.7× floor')).toMatchObject({ pass: false });
  expect(find(goals, '< 5 ms')).toMatchObject({ measured: '12 ms in round 1, the median of 3 rounds (12, 30, 4.5 ms)', pass: false });
  // 12/7 = 1.714, 30/12 = 2.5, 4.5/2 = 2.25 → 2.25 fails, though the medians (12 vs 7 ms) would say 1.71×.
  expect(find(goals, '≤ 2× floor')).toMatchObject({
    measured: '4.5 ms vs 2 ms = 2.25× in round 3, the median of 3 rounds (1.714×, 2.5×, 2.25×)',
    pass: false,
  });
});

it('the kill -9 test is a goal line: any event lost, shown twice or out of order fails it', () => {
  const figures = { accepted: 5000, delivered: 5000, lost: 0, duplicatesShown: 0, outOfOrder: 0, kills: 5 };
  const goal = (killTest: BenchResults['killTest']) => find(evaluateGoals({ quick: false, machine, killTest }), 'kill -9');
  expect(goal({ passed: true, seconds: 17, figures })).toMatchObject({
    goal: 'kill -9 test: nothing lost, nothing shown twice',
    measured: '5000 accepted, 5000 delivered, 0 lost, 0 shown twice, 0 out of order; 5 kills',
    pass: true,
  });
  expect(goal({ passed: true, seconds: 17, figures: { ...figures, duplicatesShown: 1 } }).pass).toBe(false);
  expect(goal({ passed: false, seconds: 3, error: 'exit 1: boom' })).toMatchObject({
    measured: 'did not finish: exit 1: boom',
    pass: false,
  });
});

it('results from before CPU was read per event (ms per 1,000 events from /proc) still evaluate', () => {
  const old = (s: Scenario): Scenario => {
    const legacy = ({ cpuUsPerEvent, harnessCpuUsPerEvent: _, serverCoreUse: __, ...rest }: RunStats): RunStats => ({
      ...rest,
      cpuMsPer1k: cpuUsPerEvent,
    });
    return { ...s, fixed: legacy(s.fixed!), ramp: { ...s.ramp!, steps: s.ramp!.steps.map(legacy) } };
  };
  const goals = evaluateGoals({
    quick: false,
    machine,
    relay: [old(scenario('relay', [step(6000, 6000, 120)], 260)), old(scenario('socketio', [step(6000, 6000, 60)], 130))],
  });
  expect(find(goals, '@ 1000 ev/s').measured).toBe('260 µs vs 130 µs = 2×');
  expect(find(goals, 'at the 6000 ev/s ramp step').measured).toBe('120 µs vs 60 µs = 2×');
  expect(find(goals, 'max delivered/s').measured).toBe('6000/s vs 6000/s = 1×');
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
