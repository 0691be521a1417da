// `switchboard-relay backup`, then a restore as docs/deploy.md says: a backup taken while a relay
// serves and takes webhooks is one consistent snapshot with every event answered 200 before it
// began; copied into a fresh state folder, a new relay started on it replays those events to a
// resuming client, and goes on without reusing a seq.
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { SqlitePhoneOutboxStore } from '../src/sqlite-phone-outbox';
import { assigned, cleanup, connect, RELAY_CLI, startRelay, tempDir } from './helpers';

afterEach(cleanup);
const CONV = '/snapengage/conversation-events';
const AGENTS = ['alice@example.com', 'bob@example.com', 'carol@example.com'];

function backupCli(args: string[], env: Record<string, string>): Promise<{ status: number | null; stderr: string; ms: number }> {
  const started = performance.now();
  // Not spawnSync: the relay under test runs in this process and must keep serving meanwhile.
  const child = spawn(process.execPath, [...RELAY_CLI, 'backup', ...args], { env: { PATH: process.env.PATH!, ...env } });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (status) => resolve({ status, stderr, ms: performance.now() - started }));
  });
}

describe('backup <file>', () => {
  it('copies a live database while webhooks keep coming: consistent, 0600, never over a file; restored, a new relay replays it to a resuming client', async () => {
    const t = await startRelay({ phoneSystemUrl: 'http://127.0.0.1:9/notices', phoneOutbox: { baseDelayMs: 60_000 } });
    // Webhooks, one agent after another, until told to stop; the ids in the order answered 200.
    const accepted: string[] = [];
    let stop = false;
    const load = (async () => {
      for (let i = 0; !stop; i++) {
        const body = assigned(AGENTS[i % AGENTS.length]!);
        const res = await t.post(CONV, body);
        if (res.status !== 200) throw new Error(`webhook answered ${res.status}`);
        accepted.push(body.eventId as string);
      }
    })();
    // By progress: the backup starts 300 events in, and the load goes on while it runs.
    while (accepted.length < 300) await new Promise((r) => setTimeout(r, 10));
    const before = accepted.length;
    const dest = join(tempDir(), 'relay-backup.db');
    const backup = await backupCli([dest], { RELAY_DB: t.dbPath });
    const after = accepted.length;
    expect(backup.stderr).toMatch(
      new RegExp(
        `^relay: backup: ${t.dbPath} → ${dest}: \\d+(\\.\\d)? (kB|MB) in \\d+\\.\\d\\d s, (\\d+) events \\(last seq (\\d+)\\), generation ${t.relay.store.generation}, quick_check ok\\n`,
      ),
    );
    expect(backup.status).toBe(0);
    expect(statSync(dest).mode & 0o777).toBe(0o600);
    // The phone outbox beside it (its notices never leave: nothing listens at port 9) went along.
    expect(statSync(`${dest}.phone-outbox`).mode & 0o777).toBe(0o600);
    const outbox = new SqlitePhoneOutboxStore(`${dest}.phone-outbox`);
    const pendingInCopy = await outbox.pendingCount();
    await outbox.close();

    const copy = new Database(dest, { readonly: true });
    const rows = copy.prepare('SELECT seq, agent, id FROM event_log ORDER BY seq').all() as Array<{
      seq: number;
      agent: string;
      id: string;
    }>;
    copy.close();
    const ids = rows.map((r) => r.id);
    // Three more (one each, round robin) beyond the copy: every agent has one the backup lacks.
    while (accepted.length < ids.length + AGENTS.length) await new Promise((r) => setTimeout(r, 10));
    stop = true;
    await load;
    // One snapshot: every event answered 200 before the backup began, and then a prefix of the rest, no gaps.
    expect(ids.length).toBeGreaterThanOrEqual(before);
    // The load sends one webhook at a time: at most one stored and not yet answered when the backup ended.
    expect(ids.length).toBeLessThanOrEqual(after + 1);
    expect(ids).toEqual(accepted.slice(0, ids.length));
    // The outbox is its own snapshot, taken right after: the notices of every event answered before the backup began.
    expect(pendingInCopy).toBeGreaterThanOrEqual(before);
    process.stdout.write(
      `backup: ${rows.length} events, ${statSync(dest).size} bytes in ${Math.round(backup.ms)} ms (CLI start included), taken while ${after - before} more webhooks were answered; ${accepted.length} answered in all\n`,
    );

    // Never over a file: the second run refuses and the first copy is untouched.
    const bytes = readFileSync(dest);
    const again = await backupCli([dest], { RELAY_DB: t.dbPath });
    expect(again.status).toBe(1);
    expect(again.stderr).toBe(`relay: backup: ${dest} exists: refusing to write over it; choose a new name or remove it first\n`);
    expect(readFileSync(dest).equals(bytes)).toBe(true);
    // What Alice's extension may have seen from the original, after the backup was taken.
    const seenBeyond = await t.relay.store.latest(AGENTS[0]!);
    await t.close();

    // Restore (docs/deploy.md): the copy into a fresh state folder, as relay.db; a new relay on it.
    const state = tempDir();
    copyFileSync(dest, join(state, 'relay.db'));
    const restored = await startRelay({ dbPath: join(state, 'relay.db') });
    expect(restored.relay.store.generation).toBe(t.relay.store.generation);
    // Alice's extension had shown her events up to the middle of the copy: it resumes from there.
    const alices = rows.filter((r) => r.agent === AGENTS[0]);
    const middle = alices[Math.floor(alices.length / 2)]!;
    const client = await connect(restored.relay.wsUrl, {
      type: 'hello',
      token: restored.tokenFor(AGENTS[0]!),
      after: middle.seq,
      generation: t.relay.store.generation,
    });
    expect(await client.next()).toMatchObject({ type: 'welcome', generation: t.relay.store.generation });
    const missed = alices.filter((r) => r.seq > middle.seq);
    const replayed = await client.events(missed.length);
    expect(replayed.map((e) => [e.seq, e.id])).toEqual(missed.map((r) => [r.seq, r.id]));
    // An extension that saw events the backup does not hold is not left waiting past them: it is
    // told to start over (resumed: false) and gets every event of the copy again, to recognise by id.
    expect(seenBeyond).toBeGreaterThan(alices.at(-1)!.seq);
    const ahead = await connect(restored.relay.wsUrl, {
      type: 'hello',
      token: restored.tokenFor(AGENTS[0]!),
      after: seenBeyond,
      generation: t.relay.store.generation,
    });
    expect(await ahead.next()).toMatchObject({ type: 'welcome', resumed: false });
    expect((await ahead.events(alices.length)).map((e) => e.id)).toEqual(alices.map((r) => r.id));
    // New events go on after every seq the original handed out, live to both.
    expect((await restored.post(CONV, assigned(AGENTS[0]!))).status).toBe(200);
    const [live] = (await client.events(missed.length + 1)).slice(-1);
    expect(live.seq).toBeGreaterThan(seenBeyond);
    expect((await ahead.events(alices.length + 1)).at(-1)).toMatchObject({ seq: live.seq, id: live.id });
  }, 60_000);

  it('in Redis mode it refuses, saying Redis is backed up by Redis; exit 1, no file', async () => {
    const dest = join(tempDir(), 'x.db');
    const r = await backupCli([dest], { RELAY_REDIS_URL: 'redis://127.0.0.1:6379' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      /^relay: backup: in Redis mode the events, the quarantine, the revocations and the phone outbox are all in Redis/,
    );
    expect(r.stderr).toContain('back Redis up with Redis');
    expect(existsSync(dest)).toBe(false);
  });

  it('no database, no file name, or a folder it cannot write: says so, leaves nothing', async () => {
    const dir = tempDir();
    const none = await backupCli([join(dir, 'x.db')], { RELAY_DB: join(dir, 'missing.db') });
    expect({ status: none.status, stderr: none.stderr }).toEqual({
      status: 1,
      stderr: `relay: backup: there is no database at ${join(dir, 'missing.db')} (RELAY_DB): nothing to back up\n`,
    });
    const usage = spawnSync(process.execPath, [...RELAY_CLI, 'backup'], { encoding: 'utf8', env: { PATH: process.env.PATH! } });
    expect({ status: usage.status, stderr: usage.stderr }).toEqual({
      status: 2,
      stderr: 'relay: usage: backup <file> (a new file: backup never writes over one)\n',
    });
    const t = await startRelay();
    await t.close();
    const nowhere = await backupCli([join(dir, 'no-such-folder', 'x.db')], { RELAY_DB: t.dbPath });
    expect(nowhere.status).toBe(1);
    expect(nowhere.stderr).toBe(
      `relay: backup: cannot create ${join(dir, 'no-such-folder', 'x.db')} (ENOENT): choose a folder you can write\n`,
    );
    expect(existsSync(join(dir, 'x.db'))).toBe(false);
  });
});
