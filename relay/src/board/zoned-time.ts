// Local days and hours of day in an IANA time zone, daylight saving included, for the team's reports
// (report.ts). Intl only: Node 24 has no Temporal by default and the relay takes no dependency for this.
// Intl costs microseconds a call, so a report asks it for a few hundred offsets per period and then
// places each of its events by a binary search over the period's local hour boundaries (HourGrid).

const SECOND = 1000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Offsets are sampled this far apart to find DST changes: no zone changes its offset twice within 6 h. */
const SAMPLE_MS = 6 * HOUR;

const mod = (a: number, n: number) => ((a % n) + n) % n;
const pad = (n: number) => String(n).padStart(2, '0');

/** An IANA time zone, checked once; its offset at any instant comes from Intl. */
export class Zone {
  readonly name: string;
  private readonly wallClock: Intl.DateTimeFormat;

  /** Throws a RangeError naming the zone when Intl does not know it. */
  constructor(name: string) {
    try {
      this.wallClock = new Intl.DateTimeFormat('en-US', {
        timeZone: name,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
    } catch {
      throw new RangeError(`unknown time zone ${JSON.stringify(name.slice(0, 64))}: give an IANA name such as Europe/Berlin or UTC`);
    }
    this.name = name;
  }

  /** What to add to an instant (epoch ms) to get the local wall time as if it were UTC: +3,600,000 in CET. */
  offsetAt(t: number): number {
    const at = t - mod(t, SECOND);
    const f: Partial<Record<Intl.DateTimeFormatPartTypes, number>> = {};
    for (const p of this.wallClock.formatToParts(at)) if (p.type !== 'literal') f[p.type] = Number(p.value);
    return Date.UTC(f.year!, f.month! - 1, f.day!, f.hour!, f.minute!, f.second!) - at;
  }

  /**
   * The instant (epoch ms) the local calendar day starts: its midnight, or, in a zone whose DST change
   * skips midnight, the change itself. The offset at midnight is unknown until the instant is, so each
   * offset in force around that day is tried; when midnight happens twice (a change back at midnight),
   * the day starts at the first.
   */
  startOfDay(year: number, month: number, day: number): number {
    const wall = Date.UTC(year, month - 1, day);
    // Between 10 and 38 h either side of the real midnight: one offset before any change near it, one after.
    const offsets = [...new Set([this.offsetAt(wall - DAY), this.offsetAt(wall + DAY)])];
    const fits = offsets.map((o) => wall - o).filter((t) => this.offsetAt(t) === wall - t);
    if (fits.length > 0) return Math.min(...fits);
    // Skipped: the day starts at the change, the first second whose wall time is past midnight.
    let before = wall - Math.max(...offsets);
    let after = wall - Math.min(...offsets);
    while (after - before > SECOND) {
      const mid = before + Math.floor((after - before) / 2 / SECOND) * SECOND;
      if (mid + this.offsetAt(mid) < wall) before = mid;
      else after = mid;
    }
    return after;
  }

  /** ISO 8601 with the zone's offset, to the second: `2026-03-29T03:30:00+02:00`. */
  iso(t: number): string {
    const offset = this.offsetAt(t);
    const wall = new Date(t - mod(t, SECOND) + offset).toISOString().slice(0, 19);
    const minutes = Math.round(Math.abs(offset) / 60_000);
    return `${wall}${offset < 0 ? '-' : '+'}${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;
  }
}

/** Where a zone's offset changes inside [start, end): each change's first second and its new offset. */
function offsetChanges(zone: Zone, start: number, end: number): Array<{ at: number; offset: number }> {
  const changes: Array<{ at: number; offset: number }> = [];
  const last = end - SECOND;
  let prev = start;
  let prevOffset = zone.offsetAt(start);
  while (prev < last) {
    const next = Math.min(prev + SAMPLE_MS, last);
    const nextOffset = zone.offsetAt(next);
    if (nextOffset !== prevOffset) {
      // The offset is prevOffset at `before` and nextOffset at `after`: halve the gap down to one second.
      let before = prev;
      let after = next;
      while (after - before > SECOND) {
        const mid = before + Math.floor((after - before) / 2 / SECOND) * SECOND;
        if (zone.offsetAt(mid) === prevOffset) before = mid;
        else after = mid;
      }
      changes.push({ at: after, offset: nextOffset });
    }
    prev = next;
    prevOffset = nextOffset;
  }
  return changes;
}

/**
 * A period cut into its local hours: segment i is [starts[i], starts[i + 1]) (the last one ends at
 * `end`) and lies in local hour of day hours[i]. A spring-forward day has no segment for the hour that
 * is skipped; a fall-back day has two for the hour that repeats.
 */
export class HourGrid {
  readonly start: number;
  readonly end: number;
  private readonly starts: number[] = [];
  private readonly hours: number[] = [];

  /** start and end must be second-aligned (local midnights are). */
  constructor(zone: Zone, start: number, end: number) {
    this.start = start;
    this.end = end;
    let from = start;
    let offset = zone.offsetAt(start);
    // Between two changes the offset is constant: local hours start every 3,600,000 ms.
    for (const change of offsetChanges(zone, start, end)) {
      this.fill(from, change.at, offset);
      from = change.at;
      offset = change.offset;
    }
    this.fill(from, end, offset);
  }

  private fill(from: number, to: number, offset: number): void {
    if (from >= to) return;
    const hourOf = (t: number) => Math.floor(mod(t + offset, DAY) / HOUR);
    this.starts.push(from);
    this.hours.push(hourOf(from));
    for (let t = from - mod(from + offset, HOUR) + HOUR; t < to; t += HOUR) {
      this.starts.push(t);
      this.hours.push(hourOf(t));
    }
  }

  /** Index of the segment holding t, which must be inside [start, end). */
  private segment(t: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= t) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  private segmentEnd(i: number): number {
    return this.starts[i + 1] ?? this.end;
  }

  /** The local hour of day (0–23) of an instant in the period; -1 outside it. */
  hourOf(t: number): number {
    if (!(t >= this.start && t < this.end)) return -1;
    return this.hours[this.segment(t)]!;
  }

  /** Adds the part of [from, to) inside the period to `perHour`, hour of day by hour of day. */
  addSpan(from: number, to: number, perHour: number[]): void {
    const a = Math.max(from, this.start);
    const b = Math.min(to, this.end);
    if (b <= a) return;
    for (let i = this.segment(a); i < this.starts.length && this.starts[i]! < b; i++) {
      perHour[this.hours[i]!]! += Math.min(b, this.segmentEnd(i)) - Math.max(a, this.starts[i]!);
    }
  }

  /** How long each hour of day (index 0–23) lasts in the period before `until`, in ms. */
  lengths(until: number): number[] {
    const out = new Array<number>(24).fill(0);
    this.addSpan(this.start, until, out);
    return out;
  }
}
