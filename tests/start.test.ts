// `npm start`'s demo (scripts/start.ts): relay mode unless `--direct`. In relay mode the relay gets
// the sandbox's API token (in a 0600 file) and org id, and the demo extension only the agent's relay
// token, from a setup code: run as the demo runs them, a status change with the demo's settings
// reaches the sandbox through the relay.
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeSetupCode } from '@switchboard/protocol/setup-code';
import { afterEach, describe, expect, it } from 'vitest';
import { createSandbox, DEFAULT_API_TOKEN, DEFAULT_ORG_ID, type Sandbox } from '../sandbox/server';
import { RelayProcess } from '../scripts/relay-cli';
import { demoPlan } from '../scripts/start';
import { parseSettings } from '@/lib/settings/schema';

const dirs: string[] = [];
let sandbox: Sandbox | undefined;
let relay: RelayProcess | undefined;
afterEach(async () => {
  await relay?.stop();
  await sandbox?.close();
  relay = undefined;
  sandbox = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const dataDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-start-'));
  dirs.push(dir);
  return dir;
};

describe('npm start', () => {
  it('relay mode by default: the demo extension holds a relay token only; the relay, the sandbox’s token and org id; a pause goes through', async () => {
    sandbox = await createSandbox({ port: 0 });
    const plan = demoPlan({ direct: false, env: { PATH: process.env.PATH, SANDBOX_PORT: String(sandbox.port) }, dataDir: dataDir() });

    expect(plan.settings).toMatchObject({
      mode: 'relay',
      agentId: 'alice@example.com',
      relayUrl: `${plan.relayUrl.replace(/^http/, 'ws')}/ws`,
    });
    expect(JSON.stringify(plan.settings)).not.toContain(DEFAULT_API_TOKEN);
    expect(JSON.stringify(plan.settings)).not.toContain(DEFAULT_ORG_ID);
    expect(parseSettings(plan.settings)).toMatchObject({ ok: true, settings: { mode: 'relay' } });
    // What a regular build is given instead: the setup code carrying the same.
    const [line] = plan.paste;
    const code = decodeSetupCode(line!.replace(/^Setup code\s+/, ''));
    expect(code.ok && code.code).toEqual({
      v: 1,
      relay: plan.settings.relayUrl,
      token: plan.settings.relayToken,
      agent: 'alice@example.com',
    });

    // The relay's side: the account's token in a file only its user reads, never in the environment itself.
    const tokenFile = plan.env.SNAPENGAGE_API_TOKEN_FILE!;
    expect(readFileSync(tokenFile, 'utf8').trim()).toBe(DEFAULT_API_TOKEN);
    expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
    expect(plan.env).toMatchObject({ SNAPENGAGE_ORG_ID: DEFAULT_ORG_ID, SNAPENGAGE_API_BASE: sandbox.url });
    expect(Object.values(plan.env)).not.toContain(DEFAULT_API_TOKEN);

    // The relay started with the demo's environment (on a free port here) sets the agent's status with the demo's relay token.
    relay = await RelayProcess.start({ ...plan.env, RELAY_PORT: '0' });
    const res = await fetch(`${relay.url}/api/status`, {
      method: 'POST',
      headers: { authorization: `Bearer ${plan.settings.relayToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'pause', substatus: 'Lunch' }),
    });
    expect([res.status, await res.json()]).toEqual([200, { outcome: 'confirmed' }]);
    expect(sandbox.agentStatus('alice@example.com')).toMatchObject({ status: 'pause', substatus: 'Lunch' });

    // The team lead's board it prints: its supervisor token reads the board (empty: this sandbox sends no webhooks), the agent's does not.
    expect(plan.boardUrl).toBe(`${plan.relayUrl}/board`);
    const board = (token: string) => fetch(`${relay!.url}/api/board`, { headers: { authorization: `Bearer ${token}` } });
    const lead = await board(plan.supervisorToken);
    expect([lead.status, await lead.json()]).toEqual([200, expect.objectContaining({ agents: [] })]);
    expect((await board(String(plan.settings.relayToken))).status).toBe(403);
  });

  it('--direct: the demo extension holds the sandbox’s API token and calls it itself; the relay is not in relay mode', () => {
    const plan = demoPlan({ direct: true, env: { PATH: process.env.PATH }, dataDir: dataDir() });
    expect(plan.settings).toMatchObject({
      mode: 'direct',
      apiToken: DEFAULT_API_TOKEN,
      orgId: DEFAULT_ORG_ID,
      apiBaseUrl: plan.sandboxUrl,
    });
    expect(parseSettings(plan.settings)).toMatchObject({ ok: true, settings: { mode: 'direct' } });
    expect(plan.env).not.toHaveProperty('SNAPENGAGE_API_TOKEN_FILE');
    expect(plan.paste.join('\n')).toContain(`API token          ${DEFAULT_API_TOKEN}`);
  });
});
