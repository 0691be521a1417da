// `npm test`: type-check, lint + format + unused code, unit + relay + sandbox tests, the deployment
// (package, TLS proxies, systemd unit), build the extension, zip and check both packages, then the
// end-to-end tests in real Chromium and the walk in real Firefox. Stops at the first failing step, saying which.
import './require-node';
import { spawnSync } from 'node:child_process';
import { STABLE_ID_ENV } from '../extension-key';
import { CHROMIUM_HELP, findChromium } from './chromium';
import { FIREFOX_HELP, findFirefox } from './firefox';

const steps: [string, string[]][] = [
  ['Type-check (every tsconfig)', ['node', '--import', 'tsx', 'scripts/typecheck.ts']],
  ['Lint, format and unused code (Biome, knip)', ['node', '--import', 'tsx', 'scripts/lint.ts']],
  ['Unit, relay and sandbox tests', ['npx', 'vitest', 'run']],
  ['Fault injection and fuzzing (relay, Redis)', ['npx', 'vitest', 'run', '--config', 'relay/vitest.reliability.config.ts']],
  ['Benchmark smoke run (the harness must not rot)', ['npx', 'vitest', 'run', '--config', 'vitest.bench.config.ts']],
  [
    'Deployment: the package packed, installed and run; nginx and Caddy with TLS; the systemd unit',
    ['npx', 'vitest', 'run', '--config', 'vitest.deploy.config.ts'],
  ],
  ['Zip both packages + web-ext lint (Firefox)', ['node', '--import', 'tsx', 'scripts/lint-firefox.ts']],
  ['Package manifests (both zips)', ['npx', 'vitest', 'run', '--config', 'vitest.packages.config.ts']],
  // After the zips (which rebuild .output/chrome-mv3 without it): the end-to-end tests' build has a
  // stable id for their managed policy (extension-key.ts; the store refuses a manifest with a key).
  ['Build the extension (stable id, for the end-to-end tests)', ['npx', 'wxt', 'build']],
  // The team lead's board page the relay serves (relay/dist/board), for its end-to-end test.
  ['Build the board page', ['npm', 'run', 'build:board', '-w', 'relay']],
  ['End-to-end tests (Chromium)', ['npx', 'vitest', 'run', '--config', 'vitest.e2e.config.ts']],
];
const FIREFOX_WALK: (typeof steps)[number] = [
  'End-to-end walk (Firefox)',
  ['npx', 'vitest', 'run', '--config', 'vitest.firefox.config.ts'],
];

const chromium = findChromium();
if (!chromium) {
  console.error(CHROMIUM_HELP);
  process.exit(1);
}
process.env.CHROMIUM_PATH = chromium;

// Installed from Debian when missing and run as root (CI); otherwise the walk is skipped, saying so.
const firefox = findFirefox({ install: true });
if (firefox) {
  process.env.FIREFOX_PATH = firefox;
  steps.push(FIREFOX_WALK);
} else {
  console.warn(`${FIREFOX_HELP}\n⚠ Skipping the end-to-end walk in Firefox.`);
}

for (const [title, [cmd, ...args]] of steps) {
  const started = Date.now();
  console.log(`\n▶ ${title}`);
  const env = title.startsWith('Build the extension') ? { ...process.env, [STABLE_ID_ENV]: '1' } : process.env;
  const run = spawnSync(cmd!, args, { stdio: 'inherit', env });
  if (run.status !== 0) {
    console.error(`\n✖ ${title} failed (exit ${run.status ?? run.signal}).`);
    process.exit(run.status ?? 1);
  }
  console.log(`✔ ${title} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}
