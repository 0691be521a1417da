// `switchboard-relay backup <file>`: a copy of the SQLite database taken with SQLite's online backup
// while serve keeps running (WAL: the copy reads one consistent snapshot, serve keeps writing). The
// copy is written 0600 (it holds visitors' names and questions, and the revocation list), never over
// an existing file, fsynced, then opened and checked. The phone outbox beside the database, when
// there is one, is copied the same way to `<file>.phone-outbox`. Restoring is copying them back
// while the relay is stopped (docs/deploy.md). In Redis mode nothing of the relay's is on this
// machine's disk: Redis is backed up by Redis (its RDB snapshot or append-only file).
import Database from 'better-sqlite3';
import { chownSync, closeSync, existsSync, fsyncSync, openSync, statSync, unlinkSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { phoneOutboxPathFor } from './phone-outbox';

export const BACKUP_USAGE = `  switchboard-relay backup <file>              copy the SQLite database (and its phone outbox, to
                                               <file>.phone-outbox) while serve runs, with SQLite's online
                                               backup; the copy is 0600 and never written over an existing
                                               file. Restore: docs/deploy.md. Redis mode: back Redis up
                                               instead (its RDB snapshot or append-only file)
`;

const REDIS_BACKUP_REFUSAL =
  "backup: in Redis mode the events, the quarantine, the revocations and the phone outbox are all in Redis, and nothing of the relay's is on this machine's disk: back Redis up with Redis's own means, its RDB snapshot (BGSAVE, then copy dump.rdb) or its append-only file (the appenddirname folder), and restore by starting Redis on that file";

/** The whole database in one step: one read transaction, so concurrent writes cannot restart it. */
const ALL_PAGES = 0x7f_ff_ff_ff;

interface Copied {
  from: string;
  to: string;
  bytes: number;
  ms: number;
}

/** Runs the command; resolves to the exit code. `say` prints a line (stderr). */
export async function backupCommand(
  target: string,
  config: { dbPath: string; redisUrl: string },
  say: (line: string) => void,
): Promise<number> {
  if (config.redisUrl) {
    say(REDIS_BACKUP_REFUSAL);
    return 1;
  }
  if (config.dbPath === ':memory:') {
    say('backup: RELAY_DB is :memory:: there is no database file to back up');
    return 1;
  }
  const source = resolve(config.dbPath);
  const dest = resolve(target);
  if (!existsSync(source)) {
    say(`backup: there is no database at ${source} (RELAY_DB): nothing to back up`);
    return 1;
  }
  const pairs: [string, string][] = [[source, dest]];
  const outbox = phoneOutboxPathFor(source);
  if (existsSync(outbox)) pairs.push([outbox, `${dest}.phone-outbox`]);
  // Claimed before anything is copied, so a refusal leaves nothing half-made.
  const claimed: string[] = [];
  try {
    for (const [, to] of pairs) {
      closeSync(openSync(to, 'wx', 0o600));
      claimed.push(to);
    }
  } catch (err) {
    for (const path of claimed) unlinkSync(path);
    const e = err as NodeJS.ErrnoException;
    say(
      e.code === 'EEXIST'
        ? `backup: ${e.path} exists: refusing to write over it; choose a new name or remove it first`
        : `backup: cannot create ${e.path ?? dest} (${e.code ?? e.message}): choose a folder you can write`,
    );
    return 1;
  }
  const copies: Copied[] = [];
  try {
    for (const [from, to] of pairs) copies.push(await copy(from, to));
  } catch (err) {
    for (const path of claimed) unlinkSync(path);
    say(`backup: failed, nothing kept: ${(err as Error).message}`);
    return 1;
  }
  try {
    for (const c of copies) say(`backup: ${c.from} → ${c.to}: ${formatBytes(c.bytes)} in ${(c.ms / 1000).toFixed(2)} s, ${verify(c.to)}`);
  } catch (err) {
    for (const path of claimed) unlinkSync(path);
    say(`backup: failed, nothing kept: ${(err as Error).message}`);
    return 1;
  }
  return 0;
}

/** Opens the copy as the relay would and says what it holds; throws when SQLite finds it damaged. */
function verify(path: string): string {
  // Read-write for the same reason as in copy(): closing removes the -wal and -shm it makes.
  const db = new Database(path, { fileMustExist: true });
  try {
    const check = db.pragma('quick_check', { simple: true });
    if (check !== 'ok') throw new Error(`${path} fails SQLite's quick_check: ${String(check)}`);
    const has = (table: string) => db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(table) !== undefined;
    if (has('event_log')) {
      const { n, last } = db.prepare('SELECT COUNT(*) AS n, MAX(seq) AS last FROM event_log').get() as { n: number; last: number | null };
      const generation = (db.prepare("SELECT value FROM meta WHERE key = 'generation'").get() as { value: string } | undefined)?.value;
      return `${n} events (last seq ${last ?? 0}), generation ${generation ?? '?'}, quick_check ok`;
    }
    if (has('phone_notices')) {
      const { n } = db.prepare("SELECT COUNT(*) AS n FROM phone_notices WHERE status = 'pending'").get() as { n: number };
      return `${n} phone notices pending, quick_check ok`;
    }
    return 'quick_check ok';
  } finally {
    db.close();
  }
}

async function copy(from: string, to: string): Promise<Copied> {
  const started = performance.now();
  // Read-write, though it only reads: a read-only connection leaves -wal and -shm behind when it
  // was the first to open the file (serve stopped), and those would belong to whoever ran this.
  const db = new Database(from, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    await db.backup(to, { progress: () => ALL_PAGES });
  } finally {
    db.close();
    giveBackSideFiles(from);
  }
  const fd = openSync(to, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  const dir = openSync(dirname(to), 'r');
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
  return { from, to, bytes: statSync(to).size, ms: performance.now() - started };
}

/**
 * Run as root while serve is stopped, this may have made the database's -wal and -shm (SQLite
 * removes them on close, unless another connection opened meanwhile): they go to the database's
 * owner, so the service's user can open them.
 */
function giveBackSideFiles(db: string): void {
  if (process.getuid?.() !== 0) return;
  const { uid, gid } = statSync(db);
  for (const side of ['-wal', '-shm']) {
    try {
      if (statSync(db + side).uid !== uid) chownSync(db + side, uid, gid);
    } catch {
      // not there: nothing to give back
    }
  }
}

const formatBytes = (n: number) => (n >= 1024 ** 2 ? `${(n / 1024 ** 2).toFixed(1)} MB` : `${Math.ceil(n / 1024)} kB`);
