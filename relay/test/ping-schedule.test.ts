import { describe, expect, it } from 'vitest';
import { PingSchedule } from '../src/ping-schedule';

/** Drives the schedule like the hub's timer: due() every slotMs (plus `late` ms), recording when each member is visited. */
function run(schedule: PingSchedule<number>, from: number, until: number, visits: Map<number, number[]>, late = () => 0) {
  for (let now = from; now <= until; now += schedule.slotMs + late()) {
    for (const slot of schedule.due(now)) for (const m of slot) visits.set(m, [...(visits.get(m) ?? []), now]);
  }
}

describe('PingSchedule', () => {
  it("visits every member once per interval, never more than its share of members at once, and keeps each one's rhythm as others leave", () => {
    const s = new PingSchedule<number>(1000, 0);
    expect(s.slotMs).toBe(50);
    const slots = new Map<number, number>();
    for (let m = 0; m < 40; m++) slots.set(m, s.add(m));
    const visits = new Map<number, number[]>();
    run(s, 50, 1200, visits);
    for (let m = 10; m < 40; m++) s.remove(m, slots.get(m)!);
    run(s, 1250, 3600, visits);
    for (let m = 0; m < 10; m++) {
      const at = visits.get(m)!;
      expect(at.length).toBeGreaterThanOrEqual(3);
      for (let i = 1; i < at.length; i++) expect(at[i]! - at[i - 1]!).toBe(1000);
    }
    // 40 members over 20 slots: two per visit (one sweep once pinged all of them at once).
    const perInstant = new Map<number, number>();
    for (const at of visits.values()) for (const t of at) perInstant.set(t, (perInstant.get(t) ?? 0) + 1);
    expect(Math.max(...perInstant.values())).toBe(2);
    // Those that left are not visited after leaving.
    for (let m = 10; m < 40; m++) expect(visits.get(m)!.every((t) => t <= 1200)).toBe(true);
  });

  it('a late timer visits every slot it skipped, once each, oldest first', () => {
    const s = new PingSchedule<string>(1000, 0);
    const a = s.add('a');
    s.add('b');
    expect(s.due(10)).toEqual([]);
    // 230 ms late: slots 1..4 are due; 'a' sits in slot 0 and 'b' in slot 1.
    expect(s.due(230)).toEqual([['b'], [], [], []]);
    s.remove('a', a);
    const rest = s.due(1000);
    expect(rest).toHaveLength(16);
    expect(rest.flat()).toEqual([]);
  });

  it('with late timers every member is still visited once per interval on average', () => {
    const s = new PingSchedule<number>(1000, 0);
    for (let m = 0; m < 20; m++) s.add(m);
    const visits = new Map<number, number[]>();
    let i = 0;
    run(s, 50, 10_000, visits, () => [0, 37, 180, 5, 420][i++ % 5]!);
    for (const at of visits.values()) expect(at.length).toBeGreaterThanOrEqual(9);
  });
});
