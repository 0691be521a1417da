import { expect, it } from 'vitest';
import { formatDuration } from '@/lib/duration';

it('formats durations for people', () => {
  expect(formatDuration(42_000)).toBe('42 s');
  expect(formatDuration(3_725_000)).toBe('1 h 2 min');
});

it("to the minute for the popup's ticking clocks: whole elapsed seconds, never rounded up", () => {
  expect(formatDuration(59_999, 'minutes')).toBe('59 s');
  expect(formatDuration(303_000, 'minutes')).toBe('5 min');
  expect(formatDuration(303_000)).toBe('5 min 3 s');
  expect(formatDuration(7_500_000, 'minutes')).toBe('2 h 5 min');
  expect(formatDuration(-5000, 'minutes')).toBe('0 s');
});
