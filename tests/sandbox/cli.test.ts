import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReceiver } from './receiver';

const run = promisify(execFile);

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'sandbox/cli.ts', ...args], {
      cwd: new URL('../..', import.meta.url).pathname,
      env: { ...process.env, SANDBOX_WEBHOOK_URL: undefined, SNAPENGAGE_WEBHOOK_TOKEN: undefined },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

let receiver: Awaited<ReturnType<typeof startReceiver>>;
beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(() => receiver.close());

describe('sandbox CLI', { timeout: 30_000 }, () => {
  it('--help lists the commands', async () => {
    const { code, stdout } = await cli('--help');
    expect(code).toBe(0);
    for (const word of ['serve', 'fire', 'scenario', '--webhook-url', '--spelling', 'broadcasted']) expect(stdout).toContain(word);
  });

  it('exits 2 on an unknown command or kind', async () => {
    expect((await cli('explode')).code).toBe(2);
    const kind = await cli('fire', 'exploded');
    expect(kind.code).toBe(2);
    expect(kind.stderr).toContain('Unknown kind');
    expect((await cli('fire', 'assigned', '--spelling', 'klingon')).code).toBe(2);
  });

  it('fire posts a conversation event and a status event to the relay URL', async () => {
    const fired = await cli(
      'fire',
      'assigned',
      '--agent',
      'alice@example.com',
      '--visitor',
      'Sam',
      '--question',
      'Where is my order?',
      '--to',
      receiver.url,
      '--token',
      't0k',
      '--twice',
    );
    expect(fired.code).toBe(0);
    expect(fired.stdout).toContain('200');
    const status = await cli(
      'fire',
      'status',
      '--agent',
      'bob@example.com',
      '--status',
      'pause',
      '--substatus',
      'Meeting',
      '--to',
      receiver.url,
    );
    expect(status.code).toBe(0);
    expect(receiver.received.map((r) => r.path)).toEqual([
      '/snapengage/conversation-events',
      '/snapengage/conversation-events',
      '/snapengage/agent-status',
    ]);
    expect(receiver.received[0]?.headers.authorization).toBe('t0k');
    expect(receiver.received[0]?.body).toMatchObject({ event: 'conversation_assigned', conversation: { requesterName: 'Sam' } });
    expect(receiver.received[2]?.headers.authorization).toBe('demo-webhook-token-for-local-use-only');
    expect(receiver.received[2]?.body).toMatchObject({ agentId: 'bob@example.com', status: 'pause', substatus: 'Meeting' });
  });

  it('scenario plays the scripted demo', async () => {
    receiver.received.length = 0;
    const { code, stdout } = await cli('scenario', '--to', receiver.url, '--gap', '0');
    expect(code).toBe(0);
    expect(stdout).toContain('Scenario done');
    const events = receiver.received.map((r) => (r.body as { event: string }).event);
    expect(events).toEqual([
      'conversation_assigned',
      'conversation_responded',
      'conversation_assigned',
      'conversation_transferred',
      'conversation_closed',
      'conversation_closed',
    ]);
  });

  it('serve expects the Agent Status request its flags describe, and refuses a bad one (exit 2)', async () => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'sandbox/cli.ts',
        'serve',
        '--port',
        '0',
        '--status-path',
        '/v3/{orgId}/status',
        '--agent-field',
        'email',
        '--auth',
        'bearer',
      ],
      { cwd: new URL('../..', import.meta.url).pathname, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const exited = new Promise<number | null>((done) => child.on('exit', done));
    try {
      let out = '';
      const banner = await new Promise<string>((found, failed) => {
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk;
          if (out.includes('Ctrl+C')) found(out);
        });
        child.once('exit', () => failed(new Error(`the sandbox exited: ${out}`)));
      });
      expect(banner).toContain('Status API     POST /v3/{orgId}/status {email, status, substatus}, token as Bearer');
      const url = /URL\s+(http:\S+)/.exec(banner)![1]!;
      const org = /Org id\s+(\S+)/.exec(banner)![1]!;
      const token = /API token\s+(\S+)/.exec(banner)![1]!;
      const post = (path: string, body: unknown, authorization: string) =>
        fetch(url + path, { method: 'POST', headers: { authorization, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect((await post(`/v3/${org}/status`, { email: 'alice@example.com', status: 'online' }, `Bearer ${token}`)).status).toBe(200);
      expect((await post(`/api/v2/${org}/agent/status`, { agentId: 'alice@example.com', status: 'online' }, token)).status).toBe(404);
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
    for (const [flags, message] of [
      [['--auth', 'token'], '--auth must be bare or bearer'],
      [['--status-path', '/api/status'], '--status-path must contain {orgId}'],
      [['--agent-field', 'a b'], '--agent-field must be a plain field name'],
    ] as const) {
      const refused = await cli('serve', '--port', '0', ...flags);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain(message);
    }
  });
});
