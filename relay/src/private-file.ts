// The relay's SQLite files hold visitors' names, emails and questions, and the revocation list:
// only the relay's own user may read them, whatever the umask. SQLite gives the -wal and -shm
// files the mode of the database file, so creating that one 0600 covers all three.
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Creates `path` empty with mode 0600 (and its missing folders 0700) unless it exists; an existing
 * file keeps the mode its operator gave it. `:memory:` and '' (SQLite's temporary database) are left alone.
 */
export function createPrivateFile(path: string): void {
  if (path === ':memory:' || path === '') return;
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  try {
    closeSync(openSync(path, 'wx', 0o600));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
}
