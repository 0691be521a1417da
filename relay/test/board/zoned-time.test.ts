// Local days and hours in a time zone, checked against hand-computed instants (tzdata: Europe/Berlin
// changes at 01:00 UTC on the last Sundays of March and October; America/Sao_Paulo went from 00:00
// to 01:00 on 2018-11-04; Asia/Kolkata is UTC+5:30 all year).
import { describe, expect, it } from 'vitest';
import { HourGrid, Zone } from '../../src/board/zoned-time';

const H = 3_600_000;

describe('Zone', () => {
  it('refuses an unknown zone with a RangeError that names it', () => {
    expect(() => new Zone('Mars/Olympus_Mons')).toThrow(RangeError);
    expect(() => new Zone('Mars/Olympus_Mons')).toThrow('unknown time zone "Mars/Olympus_Mons"');
  });

  it('finds local midnight on ordinary and on daylight-saving days', () => {
    const berlin = new Zone('Europe/Berlin');
    // CET is UTC+1: 2026-01-15 00:00 = 2026-01-14T23:00Z.
    expect(berlin.startOfDay(2026, 1, 15)).toBe(1_768_431_600_000);
    // Spring forward happens at 02:00 local, after midnight (still CET): 2026-03-28T23:00Z.
    expect(berlin.startOfDay(2026, 3, 29)).toBe(1_774_738_800_000);
    // The next midnight is CEST (UTC+2): 2026-03-29T22:00Z, 23 h later.
    expect(berlin.startOfDay(2026, 3, 30)).toBe(1_774_821_600_000);
    // Fall back: the day starts in CEST (2026-10-24T22:00Z) and ends in CET (2026-10-25T23:00Z), 25 h.
    expect(berlin.startOfDay(2026, 10, 25)).toBe(1_792_879_200_000);
    expect(berlin.startOfDay(2026, 10, 26)).toBe(1_792_969_200_000);
  });

  it('starts a day whose midnight was skipped at the change', () => {
    // São Paulo, 2018-11-04: 00:00 -03 never happened; clocks went to 01:00 -02 at 03:00Z.
    const saoPaulo = new Zone('America/Sao_Paulo');
    expect(saoPaulo.startOfDay(2018, 11, 4)).toBe(1_541_300_400_000);
    // 2018-11-05 00:00 -02 = 02:00Z: the day lasted 23 h.
    expect(saoPaulo.startOfDay(2018, 11, 5)).toBe(1_541_383_200_000);
  });

  it('writes ISO 8601 with the offset in force at that instant', () => {
    const berlin = new Zone('Europe/Berlin');
    // 2026-01-15T07:00:00.250Z: CET, to the second.
    expect(berlin.iso(1_768_460_400_250)).toBe('2026-01-15T08:00:00+01:00');
    // 2026-03-29T01:30Z, just after spring forward: 03:30 CEST.
    expect(berlin.iso(1_774_747_800_000)).toBe('2026-03-29T03:30:00+02:00');
    // 2026-01-15T07:00Z in Kolkata: 12:30 at +05:30; in New York 02:00 at -05:00.
    expect(new Zone('Asia/Kolkata').iso(1_768_460_400_000)).toBe('2026-01-15T12:30:00+05:30');
    expect(new Zone('America/New_York').iso(1_768_460_400_000)).toBe('2026-01-15T02:00:00-05:00');
    expect(new Zone('UTC').iso(1_768_460_400_000)).toBe('2026-01-15T07:00:00+00:00');
  });
});

describe('HourGrid', () => {
  it('on the spring-forward day hour 2 has no length and the day has 23 hours', () => {
    const berlin = new Zone('Europe/Berlin');
    // 2026-03-28T23:00Z .. 2026-03-29T22:00Z
    const grid = new HourGrid(berlin, 1_774_738_800_000, 1_774_821_600_000);
    const lengths = grid.lengths(1_774_821_600_000);
    expect(lengths[2]).toBe(0);
    expect(lengths.filter((ms) => ms === H)).toHaveLength(23);
    // 01:00Z is 03:00 CEST; one ms before it is 01:59:59.999 CET.
    expect(grid.hourOf(1_774_746_000_000)).toBe(3);
    expect(grid.hourOf(1_774_745_999_999)).toBe(1);
    expect(grid.hourOf(1_774_738_799_999)).toBe(-1);
    expect(grid.hourOf(1_774_821_600_000)).toBe(-1);
  });

  it('on the fall-back day hour 2 lasts 2 h and the day has 25 hours', () => {
    const berlin = new Zone('Europe/Berlin');
    // 2026-10-24T22:00Z .. 2026-10-25T23:00Z
    const grid = new HourGrid(berlin, 1_792_879_200_000, 1_792_969_200_000);
    const lengths = grid.lengths(1_792_969_200_000);
    expect(lengths[2]).toBe(7_200_000);
    expect(lengths.filter((ms) => ms === H)).toHaveLength(23);
    // 00:30Z is 02:30 CEST, 01:30Z is 02:30 CET: both hour 2; 02:00Z is 03:00 CET.
    expect(grid.hourOf(1_792_888_200_000)).toBe(2);
    expect(grid.hourOf(1_792_891_800_000)).toBe(2);
    expect(grid.hourOf(1_792_893_600_000)).toBe(3);
    // A span 00:30Z–02:30Z: 1.5 h in hour 2 (both passes), 0.5 h in hour 3.
    const perHour = new Array<number>(24).fill(0);
    grid.addSpan(1_792_888_200_000, 1_792_895_400_000, perHour);
    expect(perHour[2]).toBe(5_400_000);
    expect(perHour[3]).toBe(1_800_000);
  });

  it('in a zone half an hour off UTC the local hours start at :30 UTC', () => {
    const kolkata = new Zone('Asia/Kolkata');
    // 2026-01-15 00:00 IST = 2026-01-14T18:30Z; one day.
    const start = kolkata.startOfDay(2026, 1, 15);
    expect(start).toBe(1_768_415_400_000);
    const grid = new HourGrid(kolkata, start, start + 24 * H);
    // 03:29:59.999Z is 08:59:59.999 IST, 03:30Z is 09:00 IST.
    expect(grid.hourOf(1_768_447_799_999)).toBe(8);
    expect(grid.hourOf(1_768_447_800_000)).toBe(9);
  });

  it('counts hour lengths only up to the given instant', () => {
    const grid = new HourGrid(new Zone('Europe/Berlin'), 1_768_431_600_000, 1_768_518_000_000);
    // Up to 2026-01-15T12:00Z = 13:00 CET: hours 0–12 have run, 13–23 not yet.
    const lengths = grid.lengths(1_768_478_400_000);
    expect(lengths.slice(0, 13)).toEqual(new Array(13).fill(H));
    expect(lengths.slice(13)).toEqual(new Array(11).fill(0));
  });
});
