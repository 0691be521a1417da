// The relay's files hold visitors' names and questions: 0600 (folder 0700 when the relay makes
// it), whatever the umask, for the event log, its -wal/-shm and the phone outbox's three files.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { assigned, cleanup, startRelay, tempDir } from './helpers';

afterEach(cleanup);

const mode = (path: string) => (statSync(path).mode & 0o777).toString(8);

it('creates the database, its -wal/-shm and the phone outbox 0600, and their new folder 0700, under umask 022', async () => {
  const before = process.umask(0o022);
  try {
    const folder = join(tempDir(), 'data', 'relay');
    const dbPath = join(folder, 'relay.db');
    // Nothing listens there and no notice is due: the outbox is only opened, which writes its files.
    const t = await startRelay({ dbPath, phoneSystemUrl: 'http://127.0.0.1:9/notices' });
    expect((await t.post('/snapengage/conversation-events', assigned('alice@example.com'))).status).toBe(200);
    const files = [
      dbPath,
      `${dbPath}-wal`,
      `${dbPath}-shm`,
      `${dbPath}.phone-outbox`,
      `${dbPath}.phone-outbox-wal`,
      `${dbPath}.phone-outbox-shm`,
    ];
    for (const f of files) expect(existsSync(f), f).toBe(true);
    expect(Object.fromEntries(files.map((f) => [f, mode(f)]))).toEqual(Object.fromEntries(files.map((f) => [f, '600'])));
    expect(mode(folder)).toBe('700');
    expect(mode(join(folder, '..'))).toBe('700');
    await t.close();
  } finally {
    process.umask(before);
  }
});
