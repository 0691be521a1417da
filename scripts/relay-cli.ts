// The relay's command line as IT runs it (here from source, as `npm run relay --` runs it): relay
// mode's environment (the account's SnapEngage API token on the relay, never in a browser), `serve`
// in a process of its own, and its other commands beside it. Shared by `npm start`'s demo and the
// end-to-end tests.
import { spawn, spawnSync, type ChildProcessWithoutNullStreams, type SpawnSyncReturns } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
/** `node <these> <command>` runs `switchboard-relay <command>` from the TypeScript sources (from ROOT, where tsx is found). */
export const RELAY_CLI = ['--import', 'tsx', resolve(ROOT, 'relay/src/cli.ts')];

/** The end-to-end tests' relay secret and webhook token (scripts/browser/relay-sandbox.ts uses them too). */
export const E2E_RELAY_SECRET = 'e2e-secret-0123456789abcdef0123456789abcdef';
export const WEBHOOK_TOKEN = 'e2e-webhook-token-0123456789abcdef';

/** The SnapEngage account a relay in relay mode acts for (the sandbox's, here). */
export interface SnapEngageAccount {
  /** The API base: https://www.snapengage.com, or the sandbox's URL. */
  url: string;
  orgId: string;
  apiToken: string;
}

/**
 * What puts a relay in relay mode for `account`, as IT configures it: the API token in a file only
 * the relay's user reads (SNAPENGAGE_API_TOKEN_FILE, 0600, written into `dir`; never an argument),
 * the org id and SnapEngage's URL.
 */
export function relayModeEnv(account: SnapEngageAccount, dir: string): Record<string, string> {
  const tokenFile = join(dir, 'snapengage-api-token');
  writeFileSync(tokenFile, `${account.apiToken}\n`, { mode: 0o600 });
  return { SNAPENGAGE_API_TOKEN_FILE: tokenFile, SNAPENGAGE_ORG_ID: account.orgId, SNAPENGAGE_API_BASE: account.url };
}

/** `switchboard-relay <args>` with `env`; throws with its stderr when it fails. */
export function relayCli(args: string[], env: Record<string, string>): SpawnSyncReturns<string> {
  const run = spawnSync(process.execPath, [...RELAY_CLI, ...args], { cwd: ROOT, env, encoding: 'utf8', timeout: 30_000 });
  if (run.status !== 0) throw new Error(`switchboard-relay ${args.join(' ')} failed (${run.status ?? run.signal}): ${run.stderr}`);
  return run;
}

/**
 * `switchboard-relay serve` in a process of its own, configured by its environment alone (`env` on
 * top of the end-to-end secret and webhook token, a database in a temporary folder and a free port).
 * `cli` runs its other commands (`token --csv`, `token --setup-code`) with the same configuration,
 * RELAY_PUBLIC_URL being its own URL.
 */
export class RelayProcess {
  private constructor(
    /** `http://127.0.0.1:<port>` */
    readonly url: string,
    private readonly env: Record<string, string>,
    private readonly child: ChildProcessWithoutNullStreams,
    private readonly exited: Promise<unknown>,
    private readonly dir: string,
  ) {}

  /** `ws://127.0.0.1:<port>/ws`, what a setup code carries. */
  get wsUrl(): string {
    return `${this.url.replace(/^http/, 'ws')}/ws`;
  }

  /** Starts it with `env` (relayModeEnv, SNAPENGAGE_STATUS_REQUEST…); resolves once it listens. */
  static async start(env: Record<string, string>): Promise<RelayProcess> {
    const dir = mkdtempSync(join(tmpdir(), 'switchboard-relay-process-'));
    const full = {
      PATH: process.env.PATH ?? '',
      RELAY_SECRET: E2E_RELAY_SECRET,
      SNAPENGAGE_WEBHOOK_TOKEN: WEBHOOK_TOKEN,
      RELAY_DB: join(dir, 'relay.db'),
      RELAY_HOST: '127.0.0.1',
      RELAY_PORT: '0',
      RELAY_LOG_LEVEL: 'warn',
      ...env,
    };
    const child = spawn(process.execPath, [...RELAY_CLI, 'serve'], { cwd: ROOT, env: full });
    const exited = new Promise((done) => child.once('exit', done));
    let output = '';
    // Its log lines are read only if it fails to start; drained meanwhile so it never blocks on a full pipe.
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk;
    });
    const url = await new Promise<string>((found, failed) => {
      child.stderr.on('data', (chunk: Buffer) => {
        output += chunk;
        const listening = /listening on (http:\/\/\S+) /.exec(output);
        if (listening) found(listening[1]!);
      });
      child.once('error', failed);
      child.once('exit', (code) => failed(new Error(`the relay exited (${code}) before listening:\n${output}`)));
    }).catch((error: unknown) => {
      rmSync(dir, { recursive: true, force: true });
      throw error;
    });
    return new RelayProcess(url, { ...full, RELAY_PUBLIC_URL: url }, child, exited, dir);
  }

  /** `switchboard-relay <args>` beside this relay (its secret, its URL as RELAY_PUBLIC_URL). */
  cli(args: string[]): SpawnSyncReturns<string> {
    return relayCli(args, this.env);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) this.child.kill('SIGTERM');
    await this.exited;
    rmSync(this.dir, { recursive: true, force: true });
  }
}
