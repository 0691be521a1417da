// Where the phone outbox (phone-outbox.ts) keeps its notices, and what every implementation promises
// (relay/test/phone-outbox-contract.ts runs the same suite on each): SqlitePhoneOutboxStore
// (sqlite-phone-outbox.ts), a file beside the SQLite event log, for one relay process;
// RedisPhoneOutboxStore (redis-phone-outbox.ts) in the Redis the events live in, so that any relay
// process sharing it sends what any other queued, and a process that loses its disk loses nothing.
//
// Claims keep two processes from sending one notice at once: a notice is handed out with a claim
// that holds it until `now + leaseMs`. Only the claim's holder may reschedule or drop it; once the
// lease has run out (its holder died, or hangs), another process may claim it again. Per agent only
// the oldest pending notice is ever handed out, so an agent's notices leave in order, whichever
// process sends them. Times are the callers' clocks (ms since the epoch): processes sharing a store
// need clocks in step (NTP) to well within a lease.
import type { PhoneChatNotice } from '@switchboard/protocol/phone';

/** A pending notice handed out to one process, until `until`. */
export interface ClaimedNotice {
  id: string;
  agent: string;
  /** The notice as JSON, sent as is. */
  body: string;
  /** Attempts before this one. */
  attempts: number;
  /** When it was queued (ms). */
  createdAt: number;
  /** Who holds it: finishing calls other than `delivered` are ignored once another claim replaced this one. */
  claim: string;
  /** The lease's end (ms): after it, another process may claim the notice. */
  until: number;
}

export interface PhoneOutboxStore {
  /** Stores the notices, durably once it resolves; an id already stored (pending, or done and not yet pruned) is ignored. */
  add(notices: readonly PhoneChatNotice[], now: number): Promise<void>;
  /**
   * Claims up to `limit` notices for `leaseMs`: per agent the oldest pending one, if it is due
   * (its retry time has come) and no lease on it still runs; the longest-waiting first.
   */
  claim(now: number, leaseMs: number, limit: number): Promise<ClaimedNotice[]>;
  /**
   * The phone system acknowledged it: done. Taken from any claim, even one whose lease ran out,
   * since the acknowledgment is a fact; resolves false when it was no longer pending.
   */
  delivered(notice: ClaimedNotice, now: number): Promise<boolean>;
  /** Not acknowledged: due again at `nextAt`. Only while `notice.claim` still holds it (resolves false otherwise). */
  retry(notice: ClaimedNotice, nextAt: number, error: string, now: number): Promise<boolean>;
  /** Given up: done, never sent again. Only while `notice.claim` still holds it. */
  dropped(notice: ClaimedNotice, error: string, now: number): Promise<boolean>;
  /** Hands the claim back unfinished (shutdown): due again at `now`, for any process. Only while the claim holds it. */
  release(notice: ClaimedNotice, now: number): Promise<boolean>;
  /** When a notice next becomes claimable (a retry's time, a lease's end, or now); undefined when none is pending. */
  nextDue(): Promise<number | undefined>;
  pendingCount(): Promise<number>;
  /** Forgets done notices finished before `doneBefore` (their ids may then be queued again); resolves to how many. */
  prune(doneBefore: number): Promise<number>;
  close(): Promise<void>;
  /**
   * Other processes add and reschedule notices in this store without telling this one, so the
   * outbox looks again every so often (PhoneOutboxTiming.pollMs); false when one process has it.
   */
  readonly shared: boolean;
}
