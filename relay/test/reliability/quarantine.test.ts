// Quarantine, never loss, with real relay processes: webhooks of a shape the adapter cannot read
// are answered 202 and kept; a kill -9 right after the last 202 loses none of them; the relay
// restarted with a field map that reads them and `npm run relay -- quarantine replay --all` (the
// real CLI) delivers each to its connected agent exactly once, in order of receipt.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { RELAY_CLI, RELAY_DIR, RelayProcess, report, ResumingClient, secretsInLogs, SECRET, waitUntil, WEBHOOK_TOKEN } from './harness';

const AGENTS = 5;
const PER_AGENT = 10;

afterAll(() => {
  expect(secretsInLogs()).toEqual([]);
});

let relay: RelayProcess | undefined;
const clients: ResumingClient[] = [];
afterAll(async () => {
  for (const c of clients) c.stop();
  await relay?.dispose();
});

/** A plausible next version of SnapEngage's body: the built-in spellings find no event type in it. */
const v2 = (agent: string, i: number) => ({
  name: 'CONVERSATION_ASSIGNED',
  uuid: `v2-${agent.split('@')[0]}-${i}`,
  occurred: 1_764_000_000 + i,
  payload: {
    chat: { uuid: `c-${agent}-${i}`, visitor: { name: 'Zelda Visitor', question: 'Where is my parcel?' } },
    operators: [{ mail: agent }],
  },
});
const MAP = {
  conversationEvents: {
    kind: 'name',
    eventId: 'uuid',
    at: 'occurred',
    conversationId: '/payload/chat/uuid',
    agentId: '/payload/operators/0/mail',
    requesterName: '/payload/chat/visitor/name',
  },
};

async function post(url: string, body: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${url}/snapengage/conversation-events`, {
    method: 'POST',
    headers: { authorization: WEBHOOK_TOKEN, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

function quarantineCli(args: string[], url: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [...RELAY_CLI, 'quarantine', ...args], {
      cwd: RELAY_DIR,
      env: { PATH: process.env.PATH!, RELAY_SECRET: SECRET, RELAY_URL: url },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('close', (status) => done({ status, stdout, stderr }));
  });
}

it('unreadable bodies: 202 and kept through a kill -9; replayed after a restart with a field map, each reaches its agent once, in order', async () => {
  relay = new RelayProcess();
  await relay.start();
  const agents = Array.from({ length: AGENTS }, (_, i) => `q-agent${i}@example.com`);
  for (const a of agents) {
    const c = new ResumingClient(a, () => [relay!.wsUrl]);
    clients.push(c);
    c.start();
  }
  await waitUntil(() => clients.every((c) => c.generation), 15_000, 'clients connected');

  // Round-robin over the agents, each body delivered twice (SnapEngage redelivers): one entry per body.
  const expected = new Map(agents.map((a) => [a, [] as string[]]));
  const ids: string[] = [];
  const bodies: unknown[] = [];
  let redeliveriesStoredOnce = 0;
  const started = performance.now();
  for (let i = 0; i < PER_AGENT; i++) {
    for (const a of agents) {
      const body = v2(a, i);
      const first = await post(relay.url, body);
      expect(first).toMatchObject({ status: 202, json: { reason: 'missing_kind', duplicate: false } });
      const again = await post(relay.url, body);
      expect(again).toEqual({ status: 202, json: { ...first.json, duplicate: true } });
      redeliveriesStoredOnce++;
      ids.push(first.json.quarantined);
      bodies.push(body);
      expected.get(a)!.push(body.uuid);
    }
  }
  const acceptMs = performance.now() - started;
  // Right after the last 202: whatever was answered 202 must already be on disk.
  await relay.kill('SIGKILL');
  await relay.start();
  const afterKill = await quarantineCli(['list'], relay.url);
  expect(afterKill.status).toBe(0);
  expect(afterKill.stderr).toBe(`relay: ${ids.length} entries in quarantine\n`);
  const listed = afterKill.stdout
    .split('\n')
    .filter((l) => l.startsWith('q-'))
    .map((l) => l.split('  ')[0]);
  expect(listed).toEqual(ids);
  expect(afterKill.stdout).not.toContain('Zelda');
  expect(clients.every((c) => c.shown.length === 0)).toBe(true);

  // IT writes a field map and restarts the relay with it (same database, same port).
  const mapPath = join(relay.dir, 'adapter-map.json');
  writeFileSync(mapPath, JSON.stringify(MAP));
  const { port, dir } = relay;
  await relay.kill('SIGTERM');
  relay = new RelayProcess({ RELAY_ADAPTER_MAP: mapPath }, dir);
  relay.port = port;
  await relay.start();
  await waitUntil(() => clients.every((c) => c.connects >= 3), 15_000, 'clients reconnected');

  const replayStarted = performance.now();
  const replay = await quarantineCli(['replay', '--all'], relay.url);
  const replayMs = performance.now() - replayStarted;
  expect(replay.stderr).toBe(`relay: replayed: ${ids.length} delivered, 0 still quarantined\n`);
  expect(replay.status).toBe(0);
  expect(
    replay.stdout
      .split('\n')
      .filter((l) => l.startsWith('delivered'))
      .map((l) => l.split(/\s+/)[1]),
  ).toEqual(ids);
  const total = AGENTS * PER_AGENT;
  await waitUntil(() => clients.reduce((n, c) => n + c.shown.length, 0) >= total, 30_000, 'every replayed event shown');

  // Nothing more comes: a second replay delivers nothing, a redelivery of a replayed body is a
  // duplicate, and a marker event is the next thing its agent sees.
  const again = await quarantineCli(['replay', '--all'], relay.url);
  expect(again.stderr).toBe('relay: replayed: 0 delivered, 0 still quarantined\n');
  expect(await post(relay.url, bodies[0])).toMatchObject({ status: 200, json: { duplicate: true } });
  const marker = v2(agents[0]!, 999);
  expect((await post(relay.url, marker)).status).toBe(200);
  await waitUntil(() => clients[0]!.shown.includes(marker.uuid), 15_000, 'marker shown');
  expected.get(agents[0]!)!.push(marker.uuid);

  const shown = clients.reduce((n, c) => n + c.shown.length, 0);
  report('quarantine: unreadable bodies, kill -9, field map, replay', {
    bodies: ids.length,
    redeliveriesStoredOnce,
    acceptMsPerBody: (acceptMs / (ids.length * 2)).toFixed(1),
    keptAfterKill9: listed.length,
    replayed: ids.length,
    replayMs: replayMs.toFixed(0),
    shown: shown - 1,
    duplicatesShown: clients.reduce((n, c) => n + c.shown.length - new Set(c.shown).size, 0),
    resentFramesDropped: clients.reduce((n, c) => n + c.duplicatesReceived, 0),
  });
  for (const c of clients) expect(c.shown, c.agent).toEqual(expected.get(c.agent));
  expect(clients.reduce((n, c) => n + c.duplicatesReceived + c.outOfOrder, 0)).toBe(0);
}, 180_000);
