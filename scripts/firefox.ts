// Finds a Firefox for the Firefox end-to-end test: FIREFOX_PATH, then the usual names on PATH.
// Browser downloads do not work on our machines; running as root (CI), Debian's firefox-esr is
// installed when none is found, as the relay tests do with redis-server.
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { MIN_FIREFOX } from '../browser-support';

const NAMES = ['firefox-esr', 'firefox'];

export function findFirefox({ install = false } = {}): string | undefined {
  const fromEnv = process.env.FIREFOX_PATH;
  if (fromEnv) return isExecutable(fromEnv) ? fromEnv : undefined;
  const found = onPath(NAMES);
  if (found || !install || process.getuid?.() !== 0 || !onPath(['apt-get'])) return found;
  process.stderr.write('firefox: none found; installing Debian package firefox-esr (apt-get)…\n');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  const r = spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'firefox-esr'], { stdio: 'inherit', env });
  return r.status === 0 ? onPath(NAMES) : undefined;
}

export const FIREFOX_HELP = [
  'No Firefox found for the Firefox end-to-end test.',
  '  Debian/Ubuntu:  sudo apt-get install -y firefox-esr',
  `  or point FIREFOX_PATH at a Firefox binary (version ${MIN_FIREFOX} or newer).`,
  "  (`npm test` and .ci/run install Debian's firefox-esr by themselves when run as root.)",
].join('\n');

function onPath(names: string[]): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    for (const name of names) {
      const candidate = join(dir, name);
      if (dir && isExecutable(candidate)) return candidate;
    }
  }
  return undefined;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
