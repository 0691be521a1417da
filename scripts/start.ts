// `npm start`: builds the extension, starts the sandbox (SnapEngage stand-in) and the relay
// with demo values, and prints what to paste into the extension's options.
import './require-node';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { DEFAULT_WEBHOOK_TOKEN } from '../sandbox/relay-targets';
import { STABLE_ID_ENV } from '../extension-key';

const ROOT = resolve(import.meta.dirname, '..');
const DEMO = {
  SANDBOX_PORT: process.env.SANDBOX_PORT ?? '8788',
  RELAY_PORT: process.env.RELAY_PORT ?? '8787',
  SNAPENGAGE_WEBHOOK_TOKEN: process.env.SNAPENGAGE_WEBHOOK_TOKEN ?? DEFAULT_WEBHOOK_TOKEN,
  RELAY_SECRET: process.env.RELAY_SECRET ?? 'demo-secret-for-local-use-only-0123456789abcdef',
  RELAY_DB: process.env.RELAY_DB ?? resolve(ROOT, 'data/demo-relay.db'),
  AGENT: process.env.DEMO_AGENT ?? 'alice@example.com',
};
const relayBase = `http://127.0.0.1:${DEMO.RELAY_PORT}`;
const env = { ...process.env, ...DEMO, SANDBOX_WEBHOOK_URL: relayBase, RELAY_LOG_LEVEL: process.env.RELAY_LOG_LEVEL ?? 'warn' };

const token = spawnSync('node', ['--import', 'tsx', 'relay/src/cli.ts', 'token', DEMO.AGENT], { cwd: ROOT, env, encoding: 'utf8' });
if (token.status !== 0) {
  console.error(token.stderr);
  process.exit(1);
}
const relayToken = token.stdout.trim().split('\n').pop()!;
const demoSettings = {
  orgId: '6418107096367104',
  apiToken: 'sandbox-token-0123456789abcdef',
  agentId: DEMO.AGENT,
  apiBaseUrl: `http://127.0.0.1:${DEMO.SANDBOX_PORT}`,
  relayUrl: `ws://127.0.0.1:${DEMO.RELAY_PORT}`,
  relayToken,
};

// The demo build comes set up for this sandbox and relay (a real build never carries settings).
console.log('▶ Building the extension (demo build, set up for the local sandbox and relay)…');
const build = spawnSync('npx', ['wxt', 'build'], {
  cwd: ROOT,
  stdio: ['ignore', 'ignore', 'inherit'],
  // A stable id (extension-key.ts), so a team policy can name the demo extension.
  env: { ...process.env, WXT_DEMO_SETTINGS: JSON.stringify(demoSettings), SWITCHBOARD_OUT_DIR: '.output/demo', [STABLE_ID_ENV]: '1' },
});
if (build.status !== 0) process.exit(build.status ?? 1);

const children: ChildProcess[] = [];
const run = (name: string, script: string) => {
  const child = spawn('node', ['--import', 'tsx', script, 'serve'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'inherit'] });
  child.stdout!.on('data', (chunk: Buffer) => process.stdout.write(chunk.toString().replace(/^/gm, `[${name}] `)));
  child.on('exit', (code) => {
    console.error(`[${name}] exited (${code}); stopping.`);
    shutdown(code ?? 1);
  });
  children.push(child);
};
run('sandbox', 'sandbox/cli.ts');
run('relay', 'relay/src/cli.ts');

const shutdown = (code = 0) => {
  for (const child of children) child.kill('SIGTERM');
  setTimeout(() => process.exit(code), 300).unref();
};
process.on('SIGINT', () => shutdown(0));
process.on('SIGTERM', () => shutdown(0));

setTimeout(() => {
  console.log(`
────────────────────────────────────────────────────────────────────────
 Switchboard demo is running.

 1. Load the extension: open chrome://extensions, turn on Developer mode,
    "Load unpacked" → ${resolve(ROOT, '.output/demo/chrome-mv3')}
    This demo build comes set up for the sandbox and relay below.
 2. (Or load .output/chrome-mv3 after \`npm run build\` and paste these into its options:)
      Org id             6418107096367104
      API token          sandbox-token-0123456789abcdef
      Your email         ${DEMO.AGENT}
      API base URL       http://127.0.0.1:${DEMO.SANDBOX_PORT}
      Relay URL          ws://127.0.0.1:${DEMO.RELAY_PORT}
      Relay token        ${relayToken}
    and Save.
 3. Click the toolbar button to go Online / Pause.
    Sandbox request log: http://127.0.0.1:${DEMO.SANDBOX_PORT}/__sandbox
 4. Fire chats at yourself:  npm run sandbox -- scenario --agent ${DEMO.AGENT}
                        or:  npm run sandbox -- fire assigned --agent ${DEMO.AGENT}
 Ctrl+C stops everything.
────────────────────────────────────────────────────────────────────────`);
}, 1500);
