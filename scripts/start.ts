// `npm start`: builds the extension, starts the sandbox (SnapEngage stand-in) and the relay with demo
// values, and prints how to load the extension. Relay mode, as a team runs it: the relay holds the
// sandbox's API token and org id, the demo extension only the agent's relay token (it comes set up
// from a setup code, which is printed too, for a regular build). `npm start -- --direct`: direct
// mode, the API token in the extension (one agent without a relay), the relay for chat alerts only.
import './require-node';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { BOARD_PAGE_PATH } from '@switchboard/protocol/board';
import { decodeSetupCode } from '@switchboard/protocol/setup-code';
import { DEFAULT_API_TOKEN, DEFAULT_ORG_ID } from '../sandbox/server';
import { DEFAULT_WEBHOOK_TOKEN } from '../sandbox/relay-targets';
import { STABLE_ID_ENV } from '../extension-key';
import { RELAY_CLI, relayCli, relayModeEnv } from './relay-cli';

const ROOT = resolve(import.meta.dirname, '..');
/** Whom the demo's supervisor token is for. */
const DEMO_LEAD = 'lead@example.com';

export interface DemoOptions {
  /** Direct mode: the API token in the extension. */
  direct: boolean;
  /** The environment it starts from (ports, agent, secrets may be overridden there). */
  env: NodeJS.ProcessEnv;
  /** Where the relay's database and, in relay mode, the file with the sandbox's API token go. */
  dataDir: string;
}

export interface DemoPlan {
  /** The sandbox's and the relay's environment. */
  env: Record<string, string>;
  sandboxUrl: string;
  relayUrl: string;
  agent: string;
  /** What the demo build comes set up with (the worker saves it on install). */
  settings: Record<string, unknown>;
  /** What to paste into a regular build's options instead: the setup code, or (direct mode) each field. */
  paste: string[];
  /** The team lead's board the relay serves, and a supervisor token for it (issued as IT would, with the relay's command line). */
  boardUrl: string;
  supervisorToken: string;
}

/** The demo's configuration; issues the agent's relay token (a setup code in relay mode) with the relay's command line. */
export function demoPlan({ direct, env: base, dataDir }: DemoOptions): DemoPlan {
  const sandboxPort = base.SANDBOX_PORT ?? '8788';
  const relayPort = base.RELAY_PORT ?? '8787';
  const agent = base.DEMO_AGENT ?? 'alice@example.com';
  const sandboxUrl = `http://127.0.0.1:${sandboxPort}`;
  const relayUrl = `http://127.0.0.1:${relayPort}`;
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const env: Record<string, string> = {
    ...(Object.fromEntries(Object.entries(base).filter(([, v]) => v !== undefined)) as Record<string, string>),
    SANDBOX_PORT: sandboxPort,
    RELAY_PORT: relayPort,
    SNAPENGAGE_WEBHOOK_TOKEN: base.SNAPENGAGE_WEBHOOK_TOKEN ?? DEFAULT_WEBHOOK_TOKEN,
    RELAY_SECRET: base.RELAY_SECRET ?? 'demo-secret-for-local-use-only-0123456789abcdef',
    RELAY_DB: base.RELAY_DB ?? resolve(dataDir, 'demo-relay.db'),
    RELAY_LOG_LEVEL: base.RELAY_LOG_LEVEL ?? 'warn',
    RELAY_PUBLIC_URL: relayUrl,
    SANDBOX_WEBHOOK_URL: relayUrl,
    // Relay mode: the relay acts for the sandbox's account (its token in a 0600 file in dataDir).
    ...(direct ? {} : relayModeEnv({ url: sandboxUrl, orgId: DEFAULT_ORG_ID, apiToken: DEFAULT_API_TOKEN }, dataDir)),
  };
  const issue = (args: string[]) => relayCli(args, env).stdout.trim().split('\n').pop()!;
  const board = { boardUrl: `${relayUrl}${BOARD_PAGE_PATH}`, supervisorToken: issue(['token', '--role', 'supervisor', DEMO_LEAD]) };
  if (direct) {
    const relayToken = issue(['token', agent]);
    const settings = {
      mode: 'direct',
      orgId: DEFAULT_ORG_ID,
      apiToken: DEFAULT_API_TOKEN,
      agentId: agent,
      apiBaseUrl: sandboxUrl,
      relayUrl: `ws://127.0.0.1:${relayPort}`,
      relayToken,
    };
    const paste = [
      'Mode               Direct',
      `Org id             ${settings.orgId}`,
      `API token          ${settings.apiToken}`,
      `Your email         ${agent}`,
      `API base URL       ${sandboxUrl}`,
      `Relay URL          ${settings.relayUrl}`,
      `Relay token        ${relayToken}`,
    ];
    return { env, sandboxUrl, relayUrl, agent, settings, paste, ...board };
  }
  const code = issue(['token', '--setup-code', agent]);
  const decoded = decodeSetupCode(code);
  if (!decoded.ok) throw new Error(`the relay printed no setup code: ${decoded.error}`);
  const settings = { mode: 'relay', agentId: decoded.code.agent, relayUrl: decoded.code.relay, relayToken: decoded.code.token };
  return { env, sandboxUrl, relayUrl, agent, settings, paste: [`Setup code         ${code}`], ...board };
}

function main() {
  const { values } = parseArgs({ options: { direct: { type: 'boolean', default: false } } });
  const direct = values.direct;
  const plan = demoPlan({ direct, env: process.env, dataDir: resolve(ROOT, 'data') });

  const mode = direct ? 'direct mode' : 'relay mode';
  // The demo build comes set up for this sandbox and relay (a real build never carries settings).
  console.log(`▶ Building the extension (demo build, ${mode}, set up for the local sandbox and relay)…`);
  const build = spawnSync('npx', ['wxt', 'build'], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
    // A stable id (extension-key.ts), so a team policy can name the demo extension.
    env: { ...process.env, WXT_DEMO_SETTINGS: JSON.stringify(plan.settings), SWITCHBOARD_OUT_DIR: '.output/demo', [STABLE_ID_ENV]: '1' },
  });
  if (build.status !== 0) process.exit(build.status ?? 1);
  console.log('▶ Building the team board page (relay/dist/board)…');
  const boardBuild = spawnSync('npm', ['run', 'build:board', '-w', 'relay'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  if (boardBuild.status !== 0) process.exit(boardBuild.status ?? 1);

  const children: ChildProcess[] = [];
  const shutdown = (code = 0) => {
    for (const child of children) child.kill('SIGTERM');
    setTimeout(() => process.exit(code), 300).unref();
  };
  const run = (name: string, args: string[]) => {
    const child = spawn(process.execPath, [...args, 'serve'], { cwd: ROOT, env: plan.env, stdio: ['ignore', 'pipe', 'inherit'] });
    child.stdout!.on('data', (chunk: Buffer) => process.stdout.write(chunk.toString().replace(/^/gm, `[${name}] `)));
    child.on('exit', (code) => {
      console.error(`[${name}] exited (${code}); stopping.`);
      shutdown(code ?? 1);
    });
    children.push(child);
  };
  run('sandbox', ['--import', 'tsx', resolve(ROOT, 'sandbox/cli.ts')]);
  run('relay', RELAY_CLI);
  process.on('SIGINT', () => shutdown(0));
  process.on('SIGTERM', () => shutdown(0));

  const what = direct
    ? "in direct mode: it holds the sandbox account's API token and calls the sandbox itself"
    : "in relay mode: it holds only your relay token; the relay holds the sandbox account's API token";
  setTimeout(() => {
    console.log(`
────────────────────────────────────────────────────────────────────────
 Switchboard demo is running (${mode}).

 1. Load the extension: open chrome://extensions, turn on Developer mode,
    "Load unpacked" → ${resolve(ROOT, '.output/demo/chrome-mv3')}
    It comes set up for ${plan.agent}, ${what}.
 2. (Or load .output/chrome-mv3 after \`npm run build\` and ${direct ? 'paste these into its options, then Save:' : 'paste this into its first page, then Set up:'})
${plan.paste.map((line) => `      ${line}`).join('\n')}
 3. Click the toolbar button to go Online / Pause.
    Sandbox request log: ${plan.sandboxUrl}/__sandbox
 4. Fire chats at yourself:  npm run sandbox -- scenario --agent ${plan.agent}
                        or:  npm run sandbox -- fire assigned --agent ${plan.agent}
 5. The team lead's board: ${plan.boardUrl}
    Sign in with this supervisor token for ${DEMO_LEAD} (IT issues one with
    npm run relay -- token --role supervisor <email>):
      ${plan.supervisorToken}
 ${direct ? 'Relay mode (the default): npm start' : 'Direct mode instead:      npm start -- --direct'}
 Ctrl+C stops everything.
────────────────────────────────────────────────────────────────────────`);
  }, 1500);
}

if (process.argv[1] === import.meta.filename) main();
