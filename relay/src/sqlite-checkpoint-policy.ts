// When the SQLite store checkpoints its WAL. Checkpoints run on a worker thread (sqlite-checkpointer.ts),
// started with the first durable commit; should the worker fail, SQLite's own autocheckpoint takes over
// again on the writer's connection.
import type Database from 'better-sqlite3';
import { Checkpointer } from './sqlite-checkpointer';

/**
 * A passive checkpoint starts at most this often while events arrive (ms). Each one costs two
 * fsyncs and a round trip to the worker, and copies a page once however often it was rewritten
 * since the last: every 100 ms, the worker spent 8–10 µs of CPU per event at 1,000 events/s,
 * every 500 ms 2–4 (bench/README.md). At 6,000 events/s that is still under RESTART_FRAMES.
 */
const CHECKPOINT_EVERY_MS = 500;
/**
 * WAL frames (4 KB each) after which commits are held for one short checkpoint, so that it can
 * copy the last frames and the next commit restarts the WAL from its start. Passive checkpoints
 * alone never catch a busy writer, and a WAL that only grows makes every fdatasync slower.
 */
const RESTART_FRAMES = 8192;
/** Catch-up checkpoints tried while commits are held before giving up until the next round. */
const MAX_CATCH_UPS = 5;

export class CheckpointPolicy {
  /** undefined: not started yet; null: unavailable (SQLite's autocheckpoint is on). */
  private checkpointer: Checkpointer | null | undefined;
  private checkpointing = false;
  private lastCheckpointAt = 0;
  /** Commits are held while this many catch-up checkpoints have run (0: not held). */
  private catchUps = 0;
  private stopped = false;

  /** `released`: commits held for a catch-up may go on (the store flushes what queued meanwhile). */
  constructor(
    private readonly path: string,
    private readonly db: Database.Database,
    private readonly released: () => void,
    private readonly restartFrames = RESTART_FRAMES,
  ) {}

  /** Commits wait while a catch-up checkpoint runs. */
  get holding(): boolean {
    return this.catchUps > 0;
  }

  /** After a commit went to the fsync pipeline: a passive checkpoint, unless one ran less than CHECKPOINT_EVERY_MS ago. */
  afterCommit(): void {
    if (this.stopped || this.checkpointing || this.checkpointer === null) return;
    if (!this.checkpointer) {
      try {
        this.checkpointer = new Checkpointer(this.path);
      } catch {
        this.checkpointer = null; // SQLite's own autocheckpoint stays on
        return;
      }
      this.db.pragma('wal_autocheckpoint = 0');
    }
    if (this.catchUps === 0 && performance.now() - this.lastCheckpointAt < CHECKPOINT_EVERY_MS) return;
    this.checkpointing = true;
    this.checkpointer.checkpoint().then(
      ({ log, checkpointed }) => {
        this.checkpointing = false;
        this.lastCheckpointAt = performance.now();
        if (this.stopped) return;
        const caughtUp = checkpointed >= log;
        if (this.catchUps > 0 && (caughtUp || this.catchUps >= MAX_CATCH_UPS)) return this.release();
        if (this.catchUps > 0 || log >= this.restartFrames) {
          this.catchUps++;
          this.afterCommit();
        }
      },
      () => {
        // Without the worker, SQLite checkpoints on the writer's connection again.
        this.checkpointing = false;
        void this.checkpointer?.close();
        this.checkpointer = null;
        if (!this.stopped) this.db.pragma('wal_autocheckpoint = 1000');
        this.release();
      },
    );
  }

  private release(): void {
    this.catchUps = 0;
    this.released();
  }

  /** No more checkpoints (the store is closing); a running one may finish. */
  stop(): void {
    this.stopped = true;
  }

  async close(): Promise<void> {
    this.stopped = true;
    await this.checkpointer?.close();
  }
}
