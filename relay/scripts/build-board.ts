// `npm run build:board -w relay` (and `npm run build -w relay`, which calls it): the team lead's board
// page (board/, Preact) as the three static files the relay serves under /board: index.html, app.js and
// app.css in dist/board/. The relay sends them with a strict Content-Security-Policy (script-src 'self';
// style-src 'self'; no 'unsafe-inline'), so the HTML has no inline script, no <style> and no style
// attribute; it loads the bundle by absolute URL, which resolves the same at /board and /board/.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { BOARD_PAGE_PATH } from '@switchboard/protocol/board';
import { build } from 'esbuild';

const RELAY = resolve(import.meta.dirname, '..');
const OUT = join(RELAY, 'dist/board');

/** Browsers the page is built for: the current lines and Firefox ESR. */
const TARGET = ['chrome120', 'edge120', 'firefox128', 'safari17'];

const INDEX_HTML = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <meta name="color-scheme" content="light dark" />
    <meta name="referrer" content="no-referrer" />
    <title>Switchboard</title>
    <link rel="icon" href="data:," />
    <link rel="stylesheet" href="${BOARD_PAGE_PATH}/app.css" />
    <script type="module" src="${BOARD_PAGE_PATH}/app.js"></script>
  </head>
  <body>
    <div id="app"></div>
    <noscript>The Switchboard board needs JavaScript. / Die Switchboard-Übersicht braucht JavaScript.</noscript>
  </body>
</html>
`;

/** Builds the page into `out` (emptied first); returns each file's size, raw and gzipped. */
export async function buildBoard(out = OUT): Promise<Array<{ file: string; bytes: number; gzip: number }>> {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  await build({
    absWorkingDir: RELAY,
    entryPoints: { app: 'board/main.tsx' },
    outdir: out,
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: TARGET,
    jsx: 'automatic',
    jsxImportSource: 'preact',
    tsconfig: join(RELAY, 'board/tsconfig.json'),
    logLevel: 'warning',
  });
  writeFileSync(join(out, 'index.html'), INDEX_HTML);
  return ['index.html', 'app.js', 'app.css'].map((file) => {
    const data = readFileSync(join(out, file));
    return { file, bytes: data.length, gzip: gzipSync(data, { level: 9 }).length };
  });
}

if (process.argv[1] === import.meta.filename) {
  const files = await buildBoard();
  const kB = (n: number) => `${(n / 1024).toFixed(1)} kB`;
  console.error(`board build: dist/board/ ${files.map((f) => `${f.file} ${kB(f.bytes)} (${kB(f.gzip)} gzipped)`).join(', ')}`);
}
