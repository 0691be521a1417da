// When each websocket is pinged. The ping interval is cut into slots of ~50 ms and each socket
// belongs to one slot for its life, so every socket is still pinged once per interval but never
// all at once: one sweep of 10,000 sockets held the event loop ~700 ms, delaying every agent's
// events that long (bench/README.md). Pure (the clock is passed in), so its rhythm is tested
// exactly rather than by timing real sockets on a busy machine.

const SLOT_MS = 50;

export class PingSchedule<T> {
  /** How often due() should be called (the timer's period). */
  readonly slotMs: number;
  private readonly slots: Set<T>[];
  private next = 0;
  /** The slot visited last; the current one follows from the clock, so a late timer skips none. */
  private last: number;

  constructor(intervalMs: number, now: number, slotMs = SLOT_MS) {
    const count = Math.max(1, Math.floor(intervalMs / slotMs));
    this.slots = Array.from({ length: count }, () => new Set<T>());
    this.slotMs = intervalMs / count;
    this.last = this.slotAt(now);
  }

  /** Deals a member to the next slot in turn; the caller keeps the slot to remove it. */
  add(member: T): number {
    const slot = this.next;
    this.next = (slot + 1) % this.slots.length;
    this.slots[slot]!.add(member);
    return slot;
  }

  remove(member: T, slot: number): void {
    this.slots[slot]?.delete(member);
  }

  /** The members of every slot whose time has come since the previous call (usually one slot), oldest first. */
  due(now: number): T[][] {
    const current = this.slotAt(now);
    const out: T[][] = [];
    while (this.last !== current) {
      this.last = (this.last + 1) % this.slots.length;
      out.push([...this.slots[this.last]!]);
    }
    return out;
  }

  clear(): void {
    for (const slot of this.slots) slot.clear();
  }

  private slotAt(now: number): number {
    return Math.floor(now / this.slotMs) % this.slots.length;
  }
}
