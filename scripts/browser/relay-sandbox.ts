// The SnapEngage side of an end-to-end run: a real relay (in-process, real SQLite file, real
// websockets), the sandbox sending SnapEngage's webhooks to it, and the extension set up against
// both as a person would. The end-to-end tests (tests/e2e/relay-helpers.ts adds their vitest hooks)
// and `npm run screenshots` start them the same way.
import { spawn, spawnSync, type ChildProcessWithoutNullStreams, type SpawnSyncReturns } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createRelay, type Relay, type RelayOptions } from 'switchboard-relay/relay';
import { issueRelayToken } from 'switchboard-relay/auth';
import { createSandbox, type Sandbox } from '../../sandbox/server';
import type { Launched } from './fixtures';
import { OptionsPage, PopupPage } from './pages';

const RELAY_SECRET = 'e2e-secret-0123456789abcdef0123456789abcdef';
export const WEBHOOK_TOKEN = 'e2e-webhook-token-0123456789abcdef';

export class RelayUnderTest {
  private readonly dir = mkdtempSync(join(tmpdir(), 'switchboard-relay-e2e-'));
  relay!: Relay;
  port = 0;

  get dbPath() {
    return join(this.dir, 'relay.db');
  }

  constructor(private readonly extra: Partial<RelayOptions> = {}) {}

  async start(port = this.port): Promise<Relay> {
    this.relay = await createRelay({
      port,
      host: '127.0.0.1',
      dbPath: this.dbPath,
      secret: RELAY_SECRET,
      webhookToken: WEBHOOK_TOKEN,
      logLevel: 'silent',
      ...this.extra,
    });
    this.port = this.relay.port;
    return this.relay;
  }

  async stop() {
    await this.relay.close();
  }

  // biome-ignore lint/style/useThisInClassMethods: part of this helper's interface (tests call relay.token(agent) beside relay.url)
  token(agent: string) {
    return issueRelayToken(RELAY_SECRET, agent).token;
  }

  async dispose() {
    await this.relay?.close().catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export async function notifications(
  launched: Launched,
): Promise<Record<string, { title: string; message: string; contextMessage?: string }>> {
  const w = await launched.worker();
  // chrome.notifications.getAll only returns ids; the extension keeps what it showed in storage for us to read.
  return w.evaluate(async () => {
    const ids = Object.keys(await chrome.notifications.getAll());
    const shown = ((await chrome.storage.session.get('shown-notifications'))['shown-notifications'] ?? {}) as Record<
      string,
      { title: string; message: string }
    >;
    return Object.fromEntries(ids.map((id) => [id, shown[id] ?? { title: '?', message: '?' }]));
  });
}

/** The SnapEngage account a relay in relay mode acts for (the sandbox's, here). */
export interface SnapEngageAccount {
  /** The API base: https://www.snapengage.com, or the sandbox's URL. */
  url: string;
  orgId: string;
  apiToken: string;
}

/**
 * What puts a relay in relay mode for `account`, as IT configures it: the account's API token in a
 * file only the relay's user reads (SNAPENGAGE_API_TOKEN_FILE, 0600, written into `dir`; never an
 * argument), the org id and SnapEngage's URL.
 */
export function relayModeEnv(account: SnapEngageAccount, dir: string): Record<string, string> {
  const tokenFile = join(dir, 'snapengage-api-token');
  writeFileSync(tokenFile, `${account.apiToken}\n`, { mode: 0o600 });
  return { SNAPENGAGE_API_TOKEN_FILE: tokenFile, SNAPENGAGE_ORG_ID: account.orgId, SNAPENGAGE_API_BASE: account.url };
}

const RELAY_CLI = resolve(import.meta.dirname, '../../relay/src/cli.ts');

/**
 * The relay as IT runs it: the real command line (`switchboard-relay serve`, here from source as
 * `npm run relay -- serve` runs it) in a process of its own, configured by its environment alone
 * (`env` on top of a secret, the webhook token, a database in a temporary folder and a free port).
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
      RELAY_SECRET,
      SNAPENGAGE_WEBHOOK_TOKEN: WEBHOOK_TOKEN,
      RELAY_DB: join(dir, 'relay.db'),
      RELAY_HOST: '127.0.0.1',
      RELAY_PORT: '0',
      RELAY_LOG_LEVEL: 'warn',
      ...env,
    };
    const child = spawn(process.execPath, ['--import', 'tsx', RELAY_CLI, 'serve'], { env: full });
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

  /** `switchboard-relay <args>` beside this relay (its secret, its URL as RELAY_PUBLIC_URL); throws with its stderr when it fails. */
  cli(args: string[]): SpawnSyncReturns<string> {
    const run = spawnSync(process.execPath, ['--import', 'tsx', RELAY_CLI, ...args], { env: this.env, encoding: 'utf8', timeout: 30_000 });
    if (run.status !== 0) throw new Error(`switchboard-relay ${args.join(' ')} failed (${run.status ?? run.signal}): ${run.stderr}`);
    return run;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) this.child.kill('SIGTERM');
    await this.exited;
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A real relay, and the sandbox sending SnapEngage's webhooks to it. */
export async function startRelayAndSandbox(extra: Partial<RelayOptions> = {}): Promise<{ relay: RelayUnderTest; sandbox: Sandbox }> {
  const relay = new RelayUnderTest(extra);
  await relay.start();
  const sandbox = await createSandbox({
    port: 0,
    webhook: {
      conversationUrl: `${relay.relay.url}/snapengage/conversation-events`,
      statusUrl: `${relay.relay.url}/snapengage/agent-status`,
      token: WEBHOOK_TOKEN,
    },
  });
  return { relay, sandbox };
}

/** Fills the options as a person would (SnapEngage = the sandbox, plus the relay) and waits until the popup says the relay is connected. */
export async function setUpConnected(launched: Launched, sandbox: Sandbox, relay: RelayUnderTest, agent: string): Promise<void> {
  const options = await OptionsPage.open(launched);
  await options.fill({
    orgId: sandbox.orgId,
    apiToken: sandbox.apiToken,
    agentId: agent,
    apiBaseUrl: sandbox.url,
    relayUrl: `ws://127.0.0.1:${relay.port}`,
    relayToken: relay.token(agent),
  });
  const saved = await options.save();
  if (!saved.startsWith('Saved.')) throw new Error(`options not saved: ${saved}`);
  await options.page.close();
  const popup = await PopupPage.open(launched);
  await popup.page.getByTestId('relay').filter({ hasText: 'connected' }).waitFor({ timeout: 15_000 });
  await popup.page.close();
}

/**
 * Sets the extension up as an agent of a team does: the setup code IT sent pasted once into the
 * options page (the first thing on it), then waits until the popup says the relay is connected.
 * Returns what the page answered.
 */
export async function setUpWithCode(launched: Launched, code: string): Promise<string> {
  const options = await OptionsPage.open(launched);
  const answer = await options.pasteSetupCode(code);
  await options.page.close();
  if (!answer.startsWith('Set up: connected to the relay as')) throw new Error(`setup code not taken: ${answer}`);
  const popup = await PopupPage.open(launched);
  await popup.page.getByTestId('relay').filter({ hasText: 'connected' }).waitFor({ timeout: 15_000 });
  await popup.page.close();
  return answer;
}
