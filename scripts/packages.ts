// Where `npm run zip` puts the store packages (WXT's default artifact names, in the build's outDir).
import { readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');

export const rootPackage = () => JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string };

export function packagePath(browser: 'chrome' | 'firefox'): string {
  const out = process.env.SWITCHBOARD_OUT_DIR ?? '.output';
  const { name, version } = rootPackage();
  return join(isAbsolute(out) ? out : join(ROOT, out), `${name}-${version}-${browser}.zip`);
}
