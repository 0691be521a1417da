// `npm run lint`: Biome's lint and format check over the whole repository (biome.jsonc), then knip for
// unused files, exports and dependencies (knip.jsonc). Fails on any finding, infos included: a rule that
// is on is meant to hold everywhere. `npm run format` rewrites the formatting.
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { stripVTControlCharacters } from 'node:util';

const ROOT = resolve(import.meta.dirname, '..');
const BIOME = join(ROOT, 'node_modules/@biomejs/biome/bin/biome');
const KNIP = join(ROOT, 'node_modules/knip/bin/knip.js');

function run(title: string, args: string[]): boolean {
  const started = Date.now();
  const child = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const output = `${child.stdout}${child.stderr}`;
  // `biome ci` exits 0 when only infos are left; they are findings too.
  const infos = /Found \d+ infos?\./.exec(stripVTControlCharacters(output));
  const ok = child.status === 0 && !infos;
  process.stdout.write(output);
  console.log(`${ok ? '✔' : '✖'} ${title} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  return ok;
}

const results = [
  run('Biome: lint and format', [BIOME, 'ci', '--error-on-warnings', '--max-diagnostics=200']),
  run('knip: unused files, exports and dependencies', [KNIP, '--no-progress']),
];
process.exit(results.every(Boolean) ? 0 : 1);
