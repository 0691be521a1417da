// Runs SQLite's WAL checkpoints on a worker thread with its own connection. A checkpoint copies
// the WAL's pages into the database file and fsyncs both; run by the writer's own connection
// (SQLite's autocheckpoint) that happened on the event loop, inside a commit, several times a
// second under load, stalling every webhook and websocket for milliseconds each time.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

export interface CheckpointResult {
  /** frames in the WAL */
  log: number;
  /** of which copied into the database file (and that file synced) */
  checkpointed: number;
}

// Plain JavaScript, evaluated as the worker's script: no loader (tsx, vitest) reaches workers.
// PASSIVE never waits for the writer: the relay keeps committing while its WAL is copied.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path);
db.pragma('busy_timeout = 5000');
db.pragma('wal_autocheckpoint = 0');
db.pragma('synchronous = NORMAL');
parentPort.on('message', () => {
  try {
    const [r] = db.pragma('wal_checkpoint(PASSIVE)');
    parentPort.postMessage({ log: r.log, checkpointed: r.checkpointed });
  } catch (err) {
    parentPort.postMessage({ error: String(err && err.message || err) });
  }
});
`;

export class Checkpointer {
  private readonly worker: Worker;
  private readonly waiting: Array<{ resolve: (r: CheckpointResult) => void; reject: (e: Error) => void }> = [];
  private failed: Error | undefined;

  constructor(dbPath: string) {
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { path: dbPath, driver: createRequire(import.meta.url).resolve('better-sqlite3') },
    });
    // An idle checkpointer must not keep the relay's process alive.
    this.worker.unref();
    this.worker.on('message', (m: CheckpointResult | { error: string }) => {
      const w = this.waiting.shift();
      if ('error' in m) w?.reject(new Error(m.error));
      else w?.resolve(m);
    });
    const fail = (err: Error) => {
      this.failed = err;
      for (const w of this.waiting.splice(0)) w.reject(err);
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`checkpoint worker exited (${code})`)));
  }

  /** One passive checkpoint: copies every committed frame it can, then syncs the database file. */
  checkpoint(): Promise<CheckpointResult> {
    if (this.failed) return Promise.reject(this.failed);
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.worker.postMessage(0);
    });
  }

  async close(): Promise<void> {
    this.worker.removeAllListeners('exit');
    await this.worker.terminate();
  }
}
