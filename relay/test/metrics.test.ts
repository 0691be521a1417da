// The event-loop delay in /metrics covers a window that readers do not move: a stall stays
// visible for at least half a window, however often /metrics is read, then ages out.
import { afterEach, expect, it } from 'vitest';
import { LOOP_WINDOW_MS, RelayMetrics } from '../src/metrics';

const metrics: RelayMetrics[] = [];
afterEach(() => {
  for (const m of metrics.splice(0)) m.stop();
});

const stall = (ms: number) => {
  const until = performance.now() + ms;
  while (performance.now() < until);
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const read = (m: RelayMetrics) => {
  const text = m.render();
  return {
    max: Number(/^relay_event_loop_delay_seconds\{quantile="1"\} (\S+)$/m.exec(text)?.[1]),
    window: Number(/^relay_event_loop_delay_window_seconds (\S+)$/m.exec(text)?.[1]),
  };
};

it('a stall stays in every read until its window ages out, not until someone reads', async () => {
  const windowMs = 1000;
  const m = new RelayMetrics(() => ({ agents: 0, sockets: 0 }), { loopWindowMs: windowMs });
  metrics.push(m);
  await sleep(30);
  stall(200);
  const stallEnded = performance.now();
  await sleep(30);
  for (let i = 0; i < 20; i++) expect(read(m).max).toBeGreaterThanOrEqual(0.15);
  // Nobody reads now. Once the reported window starts after the stall (the clock moved it, every
  // half window), the stall is gone from it.
  while (read(m).window * 1000 >= performance.now() - stallEnded - 1) await sleep(50);
  const later = read(m);
  expect(later.max).toBeLessThan(0.15);
  expect(later.window).toBeGreaterThan(0);
  expect(LOOP_WINDOW_MS).toBe(120_000);
});
