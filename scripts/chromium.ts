// Finds a Chromium for the browser tests. Browser downloads do not work on our machines, so
// we use the system's: CHROMIUM_PATH, then the usual names on PATH.
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { MIN_CHROME } from '../browser-support';

const NAMES = ['chromium', 'chromium-browser', 'google-chrome-stable', 'google-chrome'];

export function findChromium(): string | undefined {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) return isExecutable(fromEnv) ? fromEnv : undefined;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    for (const name of NAMES) {
      const candidate = join(dir, name);
      if (isExecutable(candidate)) return candidate;
    }
  }
  return undefined;
}

export const CHROMIUM_HELP = [
  'No Chromium found for the end-to-end tests.',
  '  Debian/Ubuntu:  sudo apt-get install -y chromium',
  `  or point CHROMIUM_PATH at a Chromium/Chrome binary (version ${MIN_CHROME} or newer).`,
  "  (.ci/run installs Debian's chromium by itself when run as root.)",
].join('\n');

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
