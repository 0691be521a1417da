// `npm run build -w relay` (and `npm pack`, through prepack): the relay as plain JavaScript in dist/, the
// command the package's `bin` names. Our code and @switchboard/protocol (a workspace, never published) are
// bundled; every npm dependency stays external and is installed by npm, native modules included.
// The build fails unless the bundle's imports and package.json's dependencies are the same set, so the
// package declares exactly what it needs at run time. The repository's deploy/ (systemd unit, nginx and
// Caddy configurations) goes along in dist/deploy/: IT gets only the tarball. So does the team lead's
// board page (board/, built by ./build-board.ts into dist/board/, which the relay serves at /board).
import { cpSync, rmSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { build } from 'esbuild';
import { buildBoard } from './build-board';
import { RELAY_DIR as RELAY, relayBundleOptions, relayDependencies } from './build-options';

const OUT = join(RELAY, 'dist');
const dependencies = relayDependencies();

rmSync(OUT, { recursive: true, force: true });
const board = await buildBoard(join(OUT, 'board'));
const result = await build({
  ...relayBundleOptions(),
  entryPoints: { cli: 'src/cli.ts' },
  outdir: OUT,
  banner: { js: '#!/usr/bin/env node' },
  metafile: true,
});

const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
/** `zod/mini` → `zod`, `@scope/name/x` → `@scope/name`. */
const packageOf = (path: string) =>
  path
    .split('/')
    .slice(0, path.startsWith('@') ? 2 : 1)
    .join('/');
const imported = new Set(
  Object.values(result.metafile.outputs)
    .flatMap((o) => o.imports)
    .filter((i) => i.external && !builtins.has(i.path))
    .map((i) => packageOf(i.path)),
);
const undeclared = [...imported].filter((p) => !dependencies.includes(p));
const unused = dependencies.filter((d) => !imported.has(d));
if (undeclared.length || unused.length) {
  if (undeclared.length) console.error(`relay build: the bundle imports packages missing from dependencies: ${undeclared.join(', ')}`);
  if (unused.length) console.error(`relay build: dependencies the bundle never imports (devDependencies?): ${unused.join(', ')}`);
  process.exit(1);
}
cpSync(join(RELAY, '../deploy'), join(OUT, 'deploy'), { recursive: true });
const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
const boardBytes = board.reduce((n, f) => n + f.bytes, 0);
console.error(
  `relay build: dist/cli.js, ${(bytes / 1024).toFixed(0)} kB, dist/board/ (the board page, ${(boardBytes / 1024).toFixed(0)} kB), and dist/deploy/; run-time dependencies ${dependencies.join(', ')}`,
);
