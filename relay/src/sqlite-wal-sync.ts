// The SQLite store's fsync pipeline. SQLite commits with synchronous=NORMAL (the WAL is written, not
// synced) and we fsync the WAL file ourselves on libuv's thread pool, so nothing slow runs on the
// event loop (with synchronous=FULL the ~2 ms fsync blocked the whole relay, websockets included,
// on every commit). One fsync covers every commit made before it started.
import { closeSync, fdatasync, fsyncSync, openSync } from 'node:fs';
import { dirname } from 'node:path';

/** fsyncs of the WAL allowed in flight at once (see startSync). */
const MAX_FSYNCS = 2;
/**
 * An fsync starts at most this often (ms). Events reach agents at commit, so this only delays the
 * 200, and it lets one fsync cover several commits: at 1,000 events/s, fdatasync cost ~170 µs of
 * CPU per event (syscall + kernel), the largest share after the socket writes.
 */
const SYNC_GAP_MS = 4;

export class WalSync<T> {
  private walFd: number | undefined;
  private readonly unsynced: Array<{ n: number; item: T }> = [];
  /** Commits added so far, and the newest one an fsync already started after. */
  private commits = 0;
  private covered = 0;
  private fsyncsInFlight = 0;
  private lastSyncAt = 0;
  private syncTimer: NodeJS.Timeout | undefined;
  private readonly drainWaiters: Array<() => void> = [];

  /**
   * `walPath`: the WAL file (undefined for :memory:, where every commit is settled at once).
   * `settled`: called once per commit, in order, when its fsync is done (`err` when it failed:
   * the commit is in the database but maybe not on disk).
   */
  constructor(
    private readonly walPath: string | undefined,
    private readonly settled: (item: T, err: Error | undefined) => void,
  ) {}

  /** Queues a commit for the next fsync; false when it was settled at once (no WAL file, or it cannot be opened). */
  add(item: T): boolean {
    if (!this.walPath) {
      this.settled(item, undefined);
      return false;
    }
    try {
      if (this.walFd === undefined) {
        this.walFd = openSync(this.walPath, 'r+');
        // The WAL's directory entry must survive a power cut too (once, when it is first opened).
        const dirFd = openSync(dirname(this.walPath), 'r');
        try {
          fsyncSync(dirFd);
        } finally {
          closeSync(dirFd);
        }
      }
    } catch (err) {
      this.settled(item, err as Error);
      return false;
    }
    this.unsynced.push({ n: ++this.commits, item });
    this.startSync();
    return true;
  }

  /**
   * Pipelined fsyncs: a commit does not wait for an fsync already in flight (which started before
   * it and cannot cover it) to finish before its own starts; up to MAX_FSYNCS run at once. Each
   * fsync covers every commit made before it started, and settles them when it completes.
   */
  private startSync(): void {
    if (this.fsyncsInFlight >= MAX_FSYNCS || this.covered >= this.commits) return;
    const wait = this.lastSyncAt + SYNC_GAP_MS - performance.now();
    if (wait > 0) {
      this.syncTimer ??= setTimeout(() => {
        this.syncTimer = undefined;
        this.startSync();
      }, wait);
      return;
    }
    this.lastSyncAt = performance.now();
    this.covered = this.commits;
    const upTo = this.covered;
    this.fsyncsInFlight++;
    // fdatasync: the WAL's data and size, which is all a commit needs (what SQLite itself uses on Linux).
    fdatasync(this.walFd!, (err) => {
      this.fsyncsInFlight--;
      while (this.unsynced.length > 0 && this.unsynced[0]!.n <= upTo) this.settled(this.unsynced.shift()!.item, err ?? undefined);
      this.startSync();
      if (this.fsyncsInFlight === 0 && this.unsynced.length === 0) for (const w of this.drainWaiters.splice(0)) w();
    });
  }

  /** Waits until every commit added so far is settled, then closes the WAL file. */
  async close(): Promise<void> {
    if (this.fsyncsInFlight > 0 || this.unsynced.length > 0) await new Promise<void>((r) => this.drainWaiters.push(r));
    if (this.walFd !== undefined) closeSync(this.walFd);
  }
}
