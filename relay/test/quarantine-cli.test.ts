// `npm run relay -- quarantine …` as an operator runs it: a child process talking to a running relay.
// Each child starts tsx (about 1 s on an idle machine, more beside other work): the tests that
// start several have their own, longer timeout.
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { quarantineCommand, relayBaseUrl } from '../src/quarantine-cli';
import { freePort } from './redis-server';
import { cleanup, connect, RELAY_CLI, SECRET, startRelay, tempDir } from './helpers';

afterEach(cleanup);

const CLI = RELAY_CLI;
const CONV = '/snapengage/conversation-events';

/** Async: the relay under test runs in this process and must keep answering while the CLI runs. */
function cli(args: string[], env: Record<string, string> = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...CLI, ...args], { env: { PATH: process.env.PATH!, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

const body = (n: number, operator = 'alice@example.com') => ({
  name: 'CONVERSATION_ASSIGNED',
  uuid: `v2-${n}`,
  payload: { chat: { uuid: `c-${n}`, visitor: { name: 'Zelda Visitor', question: 'Where is my parcel 4711?' } }, operator },
});
const MAP = {
  conversationEvents: {
    kind: 'name',
    eventId: 'uuid',
    conversationId: '/payload/chat/uuid',
    agentId: 'payload.operator',
    requesterName: '/payload/chat/visitor/name',
  },
};

describe('relay CLI: quarantine', () => {
  it('list shows each entry with its reason and shape only; replay --id and --all deliver to the connected agent; drop --all empties it', async () => {
    const dir = tempDir();
    const before = await startRelay({ dir });
    const ids: string[] = [];
    for (const n of [1, 2, 3]) ids.push((await before.post(CONV, body(n))).json.quarantined);
    await before.close();
    const mapPath = join(dir, 'map.json');
    writeFileSync(mapPath, JSON.stringify(MAP));
    const t = await startRelay({ dir, adapterMap: mapPath });
    const env = { RELAY_URL: t.relay.url, RELAY_SECRET: SECRET };

    const list = await cli(['quarantine', 'list'], env);
    expect(list.stderr).toContain('relay: 3 entries in quarantine');
    expect(list.status).toBe(0);
    const lines = list.stdout.trim().split('\n');
    expect(lines).toHaveLength(6);
    expect(lines[0]).toMatch(new RegExp(`^${ids[0]}  \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z  conversation-events  missing_kind  event is missing`));
    expect(JSON.parse(lines[1]!.trim())).toEqual({
      name: 'string',
      uuid: 'string',
      payload: { chat: { uuid: 'string', visitor: { name: 'string', question: 'string' } }, operator: 'string' },
    });
    for (const value of ['Zelda', '4711', 'alice@example.com', 'CONVERSATION_ASSIGNED', 'v2-1'])
      expect(list.stdout + list.stderr).not.toContain(value);

    const alice = await connect(t.relay.wsUrl, { type: 'hello', token: t.tokenFor('alice@example.com'), after: 0 });
    expect((await alice.next()).type).toBe('welcome');
    const one = await cli(['quarantine', 'replay', '--id', ids[1]!], env);
    expect(one.status).toBe(0);
    expect(one.stdout).toBe(`delivered  ${ids[1]}  conversation-events  event v2-2 (assigned, seq 1)\n`);
    const all = await cli(['quarantine', 'replay', '--all'], env);
    expect(all.status).toBe(0);
    expect(all.stderr).toContain('relay: replayed: 2 delivered, 0 still quarantined');
    expect((await alice.events(3)).map((e) => e.id)).toEqual(['v2-2', 'v2-1', 'v2-3']);

    await t.post(CONV, body(4, ''));
    const dropped = await cli(['quarantine', 'drop', '--all'], env);
    expect(dropped).toMatchObject({ status: 0, stderr: 'relay: dropped 1 entry\n' });
    const missing = await cli(['quarantine', 'drop', '--id', ids[0]!], env);
    expect(missing).toMatchObject({ status: 1, stdout: `not found  ${ids[0]}\n` });
    expect((await cli(['quarantine', 'list'], env)).stderr).toBe('relay: the quarantine is empty\n');
  }, 90_000);

  it('refuses unclear commands and unsafe settings before calling anything (exit 2)', async () => {
    const env = { RELAY_SECRET: SECRET };
    const cases: [string[], Record<string, string>, RegExp][] = [
      [['quarantine'], env, /usage: quarantine list/],
      [['quarantine', 'show'], env, /usage: quarantine list/],
      [['quarantine', 'replay'], env, /needs either --id <id> \(repeatable\) or --all/],
      [['quarantine', 'drop', '--all', '--id', `q-${'0'.repeat(32)}`], env, /needs either --id/],
      [['quarantine', 'list', '--all'], env, /takes no --id or --all/],
      [['quarantine', 'replay', '--id', 'nope'], env, /"nope" is not a quarantine id/],
      [['quarantine', 'list', '--secret', SECRET], env, /Unknown option '--secret'/],
      [['quarantine', 'list'], { ...env, RELAY_URL: 'http://relay.example.com' }, /RELAY_URL must be https:\/\/ unless it is this machine/],
      [['quarantine', 'list'], { ...env, RELAY_URL: 'https://ops:pw@relay.example.com' }, /must not carry a user or password/],
      [['quarantine', 'list'], {}, /RELAY_SECRET is required/],
    ];
    for (const [args, e, message] of cases) {
      const err: string[] = [];
      const status = await quarantineCommand(args.slice(1), e, { out: (l) => err.push(l), err: (l) => err.push(l) });
      expect(status, args.join(' ')).toBe(2);
      expect(err.join('\n'), args.join(' ')).toMatch(message);
      expect(err.join('\n')).not.toContain(SECRET);
    }
    // The same through the real command line: the exit code and stderr.
    const r = spawnSync(process.execPath, [...CLI, 'quarantine', 'replay'], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH!, ...env },
      timeout: 20_000,
    });
    expect(r).toMatchObject({ status: 2, stderr: 'relay: quarantine replay needs either --id <id> (repeatable) or --all\n' });
  }, 30_000);

  it('says so when no relay answers at RELAY_URL (exit 1)', async () => {
    const port = await freePort();
    const r = await cli(['quarantine', 'list'], { RELAY_SECRET: SECRET, RELAY_URL: `http://127.0.0.1:${port}` });
    expect(r).toEqual({
      status: 1,
      stdout: '',
      stderr: `relay: cannot reach the relay at http://127.0.0.1:${port}: ECONNREFUSED (is it running? set RELAY_URL)\n`,
    });
  }, 30_000);

  it('a relay started with another secret refuses the CLI (exit 1, the relay says why)', async () => {
    const t = await startRelay();
    const r = await cli(['quarantine', 'list'], { RELAY_SECRET: 'z'.repeat(40), RELAY_URL: t.relay.url });
    expect(r).toMatchObject({ status: 1, stderr: expect.stringContaining('answered 401: admin token bad signature') });
  }, 30_000);

  it('serve refuses to start with a bad RELAY_ADAPTER_MAP, naming the entry', () => {
    const dir = tempDir();
    const path = join(dir, 'map.json');
    writeFileSync(path, JSON.stringify({ conversationEvents: { agentId: '/a//b' } }));
    const r = spawnSync(process.execPath, [...CLI, 'serve', '--port', '0', '--db', join(dir, 'r.db')], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH!, RELAY_SECRET: SECRET, SNAPENGAGE_WEBHOOK_TOKEN: 'w'.repeat(32), RELAY_ADAPTER_MAP: path },
      timeout: 20_000,
    });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(`RELAY_ADAPTER_MAP (${path}) has a bad entry: conversationEvents.agentId "/a//b" is neither a JSON pointer`);
    expect(r.stderr).not.toContain('listening');
  }, 30_000);

  it.each([
    [undefined, 'http://127.0.0.1:8787'],
    ['https://relay.example.com/', 'https://relay.example.com'],
    ['https://relay.example.com/switchboard/', 'https://relay.example.com/switchboard'],
    ['http://localhost:8787', 'http://localhost:8787'],
    ['http://[::1]:8787', 'http://[::1]:8787'],
  ])('RELAY_URL %s → %s', (raw, url) => expect(relayBaseUrl(raw)).toEqual({ ok: true, url }));
});
