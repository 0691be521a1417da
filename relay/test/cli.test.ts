import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeSetupCode, SETUP_CODE_PREFIX } from '@switchboard/protocol/setup-code';
import { decodeRelayToken, decodeRevocableToken, verifyRelayToken, verifySupervisorToken } from '../src/auth';
import { createSandbox } from '../../sandbox/server';
import { SqliteEventStore } from '../src/sqlite-store';
import { cleanup, connect, RELAY_CLI, tempDir } from './helpers';

afterEach(cleanup);
const SECRET = 'c'.repeat(64);
const HOOK = 'h'.repeat(32);
const CLI = RELAY_CLI;
const run = (args: string[], env: Record<string, string> = {}, input?: string) =>
  spawnSync(process.execPath, [...CLI, ...args], { encoding: 'utf8', env: { PATH: process.env.PATH!, ...env }, timeout: 20_000, input });

describe('relay CLI', () => {
  it('--help lists the commands and every option', () => {
    const r = run(['--help']);
    expect(r.status).toBe(0);
    for (const word of [
      'serve',
      'token',
      'revoke',
      'RELAY_SECRET',
      'RELAY_SECRET_FILE',
      'SNAPENGAGE_WEBHOOK_TOKEN_FILE',
      'RELAY_ALLOWED_ORIGINS',
      'openssl rand -hex 32',
      'token --setup-code <agent-email>',
      'token --csv <team-file> [--out <file>]',
      'token --role supervisor <email> [--days N | --no-expiry]',
      'RELAY_BOARD_DIR',
      'RELAY_PUBLIC_URL',
      'SNAPENGAGE_API_TOKEN_FILE',
      'SNAPENGAGE_STATUS_REQUEST',
      'switchboard-relay doctor',
      'RELAY_METRICS_TOKEN_FILE',
    ])
      expect(r.stdout).toContain(word);
  });

  // One test per command line: each starts the CLI through tsx (1–2 s on a loaded machine), so eight in
  // one test came within reach of its time limit.
  it.each([
    [['serve', '--prot', '8080'], 'relay: unknown option --prot (see --help)'],
    [['--bogus=1'], 'relay: unknown option --bogus (see --help)'],
    [['revoke', 'some-jti', '--days', '3'], 'relay: --days is not an option of revoke (see --help)'],
    [['serve', '--port'], 'relay: --port needs a value'],
    [['frob'], 'relay: unknown command "frob" (see --help)'],
    [['serve', 'extra'], 'relay: serve takes no arguments (see --help)'],
    [['doctor', 'extra'], 'relay: doctor takes no arguments (see --help)'],
    [['sb1.eyJzdWIiOiJh.c2ln'], 'relay: unknown command (see --help)'],
  ] as const)('refuses unknown options, options of another command, missing values and unknown commands, exit 2: %j', (args, message) => {
    const r = run([...args], { RELAY_SECRET: SECRET });
    expect({ args, status: r.status, stderr: r.stderr.trim() }).toEqual({ args, status: 2, stderr: message });
  });

  it('serve refuses to start without a secret and says what to set', () => {
    const r = run(['serve'], { SNAPENGAGE_WEBHOOK_TOKEN: HOOK });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('RELAY_SECRET is required: set RELAY_SECRET or RELAY_SECRET_FILE (generate one with: openssl rand -hex 32)');
  });

  it.each([
    ['serve', '--secret', SECRET],
    ['token', 'alice@example.com', `--secret=${SECRET}`],
    ['serve', '--webhook-token', HOOK],
    ['--phone-webhook-token', HOOK],
    ['serve', '--phone-system-token=pbx-token-value'],
    ['serve', '--redis-url', 'redis://:hunter2@127.0.0.1:6379'],
  ])('refuses secrets as flags, without echoing them, and says where they go: %#', (...args) => {
    const r = run(args, { RELAY_SECRET: SECRET, SNAPENGAGE_WEBHOOK_TOKEN: HOOK });
    expect(r.status, args.join(' ')).toBe(2);
    expect(r.stderr).toMatch(/is not accepted: ps and shell history keep command-line arguments|must not carry a password/);
    expect(r.stderr).toMatch(/set [A-Z_]+ or [A-Z_]+_FILE/);
    for (const secret of [SECRET, HOOK, 'pbx-token-value', 'hunter2']) expect(r.stderr).not.toContain(secret);
  });

  it('takes secrets from *_FILE', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'secret'), `${SECRET}\n`, { mode: 0o600 });
    const r = run(['token', 'alice@example.com'], { RELAY_SECRET_FILE: join(dir, 'secret') });
    expect(r.status, r.stderr).toBe(0);
    expect(verifyRelayToken(SECRET, r.stdout.trim())).toMatchObject({ ok: true, agent: 'alice@example.com' });
  });

  it('token prints a verifiable token; revoke records its jti', async () => {
    const r = run(['token', 'Alice@Example.com', '--days', '2'], { RELAY_SECRET: SECRET });
    expect(r.status).toBe(0);
    const token = r.stdout.trim();
    const v = verifyRelayToken(SECRET, token);
    expect(v).toMatchObject({ ok: true, agent: 'alice@example.com' });
    if (!v.ok) return;
    expect(r.stderr).not.toContain(token);
    expect(r.stderr).toContain(`jti ${v.jti}`);
    const db = join(tempDir(), 'cli.db');
    expect(run(['revoke', '--jti', v.jti], { RELAY_DB: db }).status).toBe(0);
    const store = new SqliteEventStore(db);
    expect(await store.isRevoked(v.jti)).toBe(true);
    await store.close();
  });

  it('revoke reads a whole token only from stdin; a token as an argument is refused, not echoed, not revoked', async () => {
    const token = run(['token', 'bob@example.com'], { RELAY_SECRET: SECRET }).stdout.trim();
    const jti = decodeRelayToken(token)!.jti;
    const db = join(tempDir(), 'cli.db');
    for (const args of [
      ['revoke', token],
      ['revoke', '--jti', token],
    ]) {
      const refused = run(args, { RELAY_DB: db });
      expect(refused.status).toBe(2);
      expect(refused.stderr).toMatch(/revoke --jti <jti>|not the token/);
      expect(refused.stderr + refused.stdout).not.toContain(token);
    }
    expect(run(['revoke'], { RELAY_DB: db }).stderr.trim()).toBe('relay: usage: revoke --jti <jti>, or the token on stdin: revoke --stdin');
    expect(run(['revoke', '--stdin'], { RELAY_DB: db }, 'not a token\n').stderr.trim()).toBe(
      "relay: stdin does not hold a relay token (expected an agent's sb1.… or a supervisor's sbs1.…)",
    );
    let store = new SqliteEventStore(db);
    expect(await store.isRevoked(jti)).toBe(false);
    await store.close();
    const piped = run(['revoke', '--stdin'], { RELAY_DB: db }, `${token}\n`);
    expect(piped.status, piped.stderr).toBe(0);
    expect(piped.stderr).toContain(`revoked jti ${jti}`);
    expect(piped.stderr).not.toContain(token);
    store = new SqliteEventStore(db);
    expect(await store.isRevoked(jti)).toBe(true);
    await store.close();
  });

  it("token --role supervisor prints a supervisor's token (180 days unless asked otherwise) and what it opens; revoke takes it from stdin", async () => {
    const r = run(['token', '--role', 'supervisor', 'Lead@Example.com'], { RELAY_SECRET: SECRET });
    expect(r.status, r.stderr).toBe(0);
    const token = r.stdout.trim();
    const v = verifySupervisorToken(SECRET, token);
    expect(v).toMatchObject({ ok: true, supervisor: 'lead@example.com' });
    if (!v.ok) return;
    expect(v.claims.exp! - v.claims.iat).toBe(180 * 86_400);
    expect(r.stderr).toContain(
      `relay: supervisor token for lead@example.com (jti ${v.jti}, expires ${new Date(v.claims.exp! * 1000).toISOString()})`,
    );
    expect(r.stderr).toContain('/board');
    expect(r.stderr).not.toContain(token);
    // Not an agent's: no agent entry point takes it.
    expect(verifyRelayToken(SECRET, token)).toEqual({ ok: false, reason: 'supervisor token' });
    const db = join(tempDir(), 'cli.db');
    const piped = run(['revoke', '--stdin'], { RELAY_DB: db }, `${token}\n`);
    expect(piped.status, piped.stderr).toBe(0);
    expect(piped.stderr).toContain(`revoked jti ${v.jti}`);
    const store = new SqliteEventStore(db);
    expect(await store.isRevoked(v.jti)).toBe(true);
    await store.close();
  });

  it('token --role supervisor --no-expiry, --days N; --role agent is the agent token as without it', () => {
    const forever = run(['token', '--role', 'supervisor', 'lead@example.com', '--no-expiry'], { RELAY_SECRET: SECRET });
    expect(forever.status, forever.stderr).toBe(0);
    expect(decodeRevocableToken(forever.stdout.trim())).toMatchObject({ role: 'supervisor', sub: 'lead@example.com' });
    expect(decodeRevocableToken(forever.stdout.trim())!.exp).toBeUndefined();
    const week = run(['token', '--role=supervisor', '--days', '7', 'lead@example.com'], { RELAY_SECRET: SECRET });
    const claims = decodeRevocableToken(week.stdout.trim())!;
    expect(claims.exp! - claims.iat).toBe(7 * 86_400);
    const agent = run(['token', '--role', 'agent', 'alice@example.com'], { RELAY_SECRET: SECRET });
    expect(verifyRelayToken(SECRET, agent.stdout.trim())).toMatchObject({ ok: true, agent: 'alice@example.com' });
  });

  it.each([
    [
      ['token', '--role', 'supervisor', '--setup-code', 'lead@example.com'],
      'relay: --setup-code and --csv issue agent tokens; a supervisor token is printed with: token --role supervisor <email>',
    ],
    [
      ['token', '--role', 'supervisor', '--csv', 'team.csv'],
      'relay: --setup-code and --csv issue agent tokens; a supervisor token is printed with: token --role supervisor <email>',
    ],
    [['token', '--role', 'boss', 'lead@example.com'], 'relay: --role is agent or supervisor (agent when not given)'],
    [['token', '--role', 'supervisor'], 'relay: usage: token --role supervisor <email> [--days N | --no-expiry]'],
    [['revoke', '--role', 'supervisor', '--jti', 'abc'], 'relay: --role is not an option of revoke (see --help)'],
  ] as const)('token --role: a clear usage error, exit 2, nothing printed: %j', (args, message) => {
    const r = run([...args], { RELAY_SECRET: SECRET, RELAY_PUBLIC_URL: 'https://relay.example.com' });
    expect({ status: r.status, stderr: r.stderr.trim(), stdout: r.stdout }).toEqual({ status: 2, stderr: message, stdout: '' });
  });

  it('token notes characters beyond ASCII that NFKC left (a look-alike is another agent)', () => {
    const r = run(['token', '\u0430lice@Example.com'], { RELAY_SECRET: SECRET });
    expect(r.status).toBe(0);
    expect(decodeRelayToken(r.stdout.trim())!.sub).toBe('\u0430lice@example.com');
    expect(r.stderr).toContain(
      'relay: note: the address has characters beyond ASCII (U+0430): it is another agent than an ASCII address that looks the same',
    );
    expect(run(['token', '\uFF41lice@example.com'], { RELAY_SECRET: SECRET }).stderr).not.toContain('note:');
  });

  it('token expires after 180 days by default; --no-expiry only when asked; not both with --days', () => {
    const byDefault = run(['token', 'alice@example.com'], { RELAY_SECRET: SECRET });
    expect(byDefault.status).toBe(0);
    const claims = decodeRelayToken(byDefault.stdout.trim())!;
    expect(claims.exp! - claims.iat).toBe(180 * 86_400);
    expect(byDefault.stderr).toContain(`expires ${new Date(claims.exp! * 1000).toISOString()}`);
    const forever = run(['token', 'alice@example.com', '--no-expiry'], { RELAY_SECRET: SECRET });
    expect(forever.status).toBe(0);
    expect(decodeRelayToken(forever.stdout.trim())!.exp).toBeUndefined();
    expect(forever.stderr).toContain('expires never');
    const both = run(['token', 'alice@example.com', '--days', '3', '--no-expiry'], { RELAY_SECRET: SECRET });
    expect({ status: both.status, stderr: both.stderr.trim(), stdout: both.stdout }).toEqual({
      status: 2,
      stderr: 'relay: give --days or --no-expiry, not both',
      stdout: '',
    });
  });

  // Each of these runs the CLI several times, a second or more each on a busy two-core machine: more than the default 20 s budget.
  it('token --setup-code prints one code: the wss URL from RELAY_PUBLIC_URL, a token for the normalised email, the email', {
    timeout: 60_000,
  }, () => {
    const r = run(['token', '--setup-code', 'Alice@Example.com', '--days', '2'], {
      RELAY_SECRET: SECRET,
      RELAY_PUBLIC_URL: 'https://relay.example.com/switchboard',
    });
    expect(r.status, r.stderr).toBe(0);
    const text = r.stdout.trim();
    expect(text.startsWith(SETUP_CODE_PREFIX)).toBe(true);
    const decoded = decodeSetupCode(text);
    if (!decoded.ok) throw new Error(decoded.error);
    expect(decoded.code).toMatchObject({ v: 1, relay: 'wss://relay.example.com/switchboard/ws', agent: 'alice@example.com' });
    const v = verifyRelayToken(SECRET, decoded.code.token);
    expect(v).toMatchObject({ ok: true, agent: 'alice@example.com' });
    if (v.ok) {
      expect(v.claims.exp! - v.claims.iat).toBe(2 * 86_400);
      expect(r.stderr).toContain(`setup code for alice@example.com (jti ${v.jti}, expires `);
    }
    expect(r.stderr).toContain("it holds the agent's relay token: send it to that agent only, like a password");
    expect(r.stderr).not.toContain(decoded.code.token);

    const noUrl = run(['token', '--setup-code', 'alice@example.com'], { RELAY_SECRET: SECRET });
    expect({ status: noUrl.status, stdout: noUrl.stdout }).toEqual({ status: 2, stdout: '' });
    expect(noUrl.stderr).toContain('set RELAY_PUBLIC_URL or pass --public-url');
    const plain = run(['token', '--setup-code', 'alice@example.com', '--public-url', 'http://relay.example.com'], { RELAY_SECRET: SECRET });
    expect(plain.status).toBe(2);
    expect(plain.stderr).toContain('RELAY_PUBLIC_URL must be https://');
    for (const [args, message] of [
      [['token', '--setup-code'], 'relay: usage: token --setup-code <agent-email> [--days N | --no-expiry]'],
      [['token', '--setup-code', 'a@example.com', '--csv', 'team.csv'], 'relay: give --setup-code <email> or --csv <team-file>, not both'],
      [['token', '--csv', 'team.csv', 'a@example.com'], 'relay: token --csv <team-file> takes the emails from the file, not as arguments'],
      [['token', 'a@example.com', '--out', 'codes.csv'], 'relay: --out goes with --csv <team-file>'],
      [['token', '--setup-code', 'not-an-address'], 'relay: "not-an-address" is not an email address'],
    ] as const) {
      const refused = run([...args], { RELAY_SECRET: SECRET, RELAY_PUBLIC_URL: 'https://relay.example.com' });
      expect({ args, status: refused.status, stderr: refused.stderr.trim(), stdout: refused.stdout }).toEqual({
        args,
        status: 2,
        stderr: message,
        stdout: '',
      });
    }
  });

  it("token --csv: a team of three gets email,code lines, each code its own agent's; to stdout or a new 0600 file, never over one", {
    timeout: 60_000,
  }, () => {
    const dir = tempDir();
    const team = join(dir, 'agents.csv');
    writeFileSync(
      team,
      '# support team, Berlin\r\nname,Email\r\n"Doe, Alice",Alice@Example.com\r\nBob,bob@example.com\r\n\r\nCarol,carol@example.com\r\n',
    );
    const env = { RELAY_SECRET: SECRET, RELAY_PUBLIC_URL: 'https://relay.example.com' };
    const printed = run(['token', '--csv', team], env);
    expect(printed.status, printed.stderr).toBe(0);
    const lines = printed.stdout.trim().split('\n');
    expect(lines[0]).toBe('email,code');
    const rows = lines.slice(1).map((l) => l.split(','));
    expect(rows.map((r) => r[0])).toEqual(['alice@example.com', 'bob@example.com', 'carol@example.com']);
    for (const [email, code] of rows) {
      const decoded = decodeSetupCode(code!);
      if (!decoded.ok) throw new Error(decoded.error);
      expect(decoded.code).toMatchObject({ relay: 'wss://relay.example.com/ws', agent: email });
      expect(verifyRelayToken(SECRET, decoded.code.token)).toMatchObject({ ok: true, agent: email });
      expect(printed.stderr).toContain(`relay: ${email}: jti ${decodeRelayToken(decoded.code.token)!.jti}, expires `);
    }
    expect(printed.stderr).toContain(
      "3 setup codes on stdout: each holds its agent's relay token; send each to its agent only, like a password",
    );

    const out = join(dir, 'codes.csv');
    const written = run(['token', '--csv', team, '--out', out, '--no-expiry'], env);
    expect({ status: written.status, stdout: written.stdout }).toEqual({ status: 0, stdout: '' });
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const codes = readFileSync(out, 'utf8').trim().split('\n').slice(1);
    expect(codes).toHaveLength(3);
    const first = decodeSetupCode(codes[0]!.split(',')[1]!);
    expect(first.ok && decodeRelayToken(first.code.token)!.exp).toBeUndefined();
    const again = run(['token', '--csv', team, '--out', out], env);
    expect(again.status).toBe(2);
    expect(again.stderr).toContain(`--out ${out} exists: setup codes are never written over a file`);
    expect(readFileSync(out, 'utf8').trim().split('\n').slice(1)).toEqual(codes);

    const bad = join(dir, 'bad.txt');
    writeFileSync(bad, 'alice@example.com\nbob\nALICE@example.com\n');
    const refused = run(['token', '--csv', bad, '--out', join(dir, 'none.csv')], env);
    expect({ status: refused.status, stdout: refused.stdout, stderr: refused.stderr.trim().split('\n') }).toEqual({
      status: 2,
      stdout: '',
      stderr: [
        `relay: ${bad}: nothing issued:`,
        'relay:   - line 2: "bob" is not an email address',
        'relay:   - line 3: alice@example.com is on line 1 already',
      ],
    });
    expect(existsSync(join(dir, 'none.csv'))).toBe(false);
  });

  it('SIGTERM closes clients with 1001 and exits 0', async () => {
    const dir = tempDir();
    const child = spawn(process.execPath, [...CLI, 'serve', '--port', '0', '--db', join(dir, 'r.db'), '--log-level', 'warn'], {
      env: { PATH: process.env.PATH!, RELAY_SECRET: SECRET, SNAPENGAGE_WEBHOOK_TOKEN: HOOK },
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const url = await new Promise<string>((resolve, reject) => {
      let err = '';
      child.stderr.on('data', (d) => {
        err += d;
        const m = /websocket (ws:\/\/\S+)\)/.exec(err);
        if (m) resolve(m[1]!);
      });
      child.on('exit', () => reject(new Error(err)));
    });
    const token = run(['token', 'alice@example.com'], { RELAY_SECRET: SECRET }).stdout.trim();
    const c = await connect(url, { type: 'hello', token, after: 0 });
    expect((await c.next()).type).toBe('welcome');
    child.kill('SIGTERM');
    expect(await c.closed).toEqual({ code: 1001, reason: 'relay shutting down' });
    expect(await exited).toBe(0);
  });
});

describe('relay CLI in relay mode', () => {
  it("serve takes the account's API token from SNAPENGAGE_API_TOKEN_FILE and sets an agent's status with it; half a configuration is refused", async () => {
    const sandbox = await createSandbox({ port: 0 });
    const dir = tempDir();
    writeFileSync(join(dir, 'api-token'), `${sandbox.apiToken}\n`, { mode: 0o600 });
    const env = {
      PATH: process.env.PATH!,
      RELAY_SECRET: SECRET,
      SNAPENGAGE_WEBHOOK_TOKEN: HOOK,
      SNAPENGAGE_API_TOKEN_FILE: join(dir, 'api-token'),
      SNAPENGAGE_ORG_ID: sandbox.orgId,
      SNAPENGAGE_API_BASE: sandbox.url,
    };
    const child = spawn(process.execPath, [...CLI, 'serve', '--port', '0', '--db', join(dir, 'r.db'), '--log-level', 'info'], { env });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
      });
      const url = await new Promise<string>((resolve, reject) => {
        let err = '';
        child.stderr.on('data', (d) => {
          err += d;
          const m = /listening on (http:\/\/\S+) /.exec(err);
          if (m) resolve(m[1]!);
        });
        child.on('exit', () => reject(new Error(err)));
      });
      const token = run(['token', 'alice@example.com'], { RELAY_SECRET: SECRET }).stdout.trim();
      const res = await fetch(`${url}/api/status`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: '{"status":"pause","substatus":"Lunch"}',
      });
      expect([res.status, await res.json()]).toEqual([200, { outcome: 'confirmed' }]);
      expect(sandbox.agentStatus('alice@example.com')).toMatchObject({ status: 'pause', substatus: 'Lunch' });
      expect(out).toContain(`"on":true,"apiBase":"${sandbox.url}","orgId":"${sandbox.orgId}","statusRequest":"inferred"`);
      expect(out).not.toContain(sandbox.apiToken);
    } finally {
      child.kill('SIGTERM');
      await exited;
      await sandbox.close();
    }
    const { SNAPENGAGE_API_TOKEN_FILE: _file, ...withoutToken } = env;
    const half = run(['serve', '--port', '0', '--db', join(dir, 'r.db')], withoutToken);
    expect(half.status).toBe(1);
    expect(half.stderr.trim()).toBe(
      'relay: invalid relay config: SNAPENGAGE_ORG_ID is set but SNAPENGAGE_API_TOKEN is not: set both for relay mode, or neither',
    );
  });
});
