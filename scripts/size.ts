// `npm run size`: the popup's JS + CSS as the browser loads them (files and what popup.html inlines), gzipped. Budget: 20 KB.
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';

export const POPUP_BUDGET_BYTES = 20 * 1024;
const OUT = resolve(import.meta.dirname, '../.output/chrome-mv3');

/** Follows popup.html's script and stylesheet tags, and the chunks its module imports (statically or not). */
export function popupAssets(outDir = OUT): string[] {
  const html = readFileSync(join(outDir, 'popup.html'), 'utf8');
  const seen = new Set<string>();
  const visit = (path: string) => {
    if (seen.has(path)) return;
    seen.add(path);
    if (!path.endsWith('.js')) return;
    const code = readFileSync(join(outDir, path), 'utf8');
    // Static imports and dynamic ones (what the popup loads after its first paint counts too).
    for (const m of code.matchAll(/from\s*["']\.{1,2}\/([^"']+)["']|import\s*\(?\s*["'`]\.{1,2}\/([^"'`]+)["'`]/g)) {
      const rel = (m[1] ?? m[2])!;
      const dir = path.includes('/') ? path.slice(0, path.lastIndexOf('/') + 1) : '';
      visit(rel.startsWith('assets/') || rel.startsWith('chunks/') ? rel : dir + rel);
    }
  };
  for (const m of html.matchAll(/(?:src|href)="\/?([^"]+\.(?:js|css))"/g)) visit(m[1]!);
  return [...seen];
}

/** CSS (and any script) inlined in popup.html counts too. */
function popupInline(outDir: string): Array<{ file: string; data: Buffer }> {
  const html = readFileSync(join(outDir, 'popup.html'), 'utf8');
  return [...html.matchAll(/<(style|script)\b[^>]*>([\s\S]*?)<\/\1>/g)]
    .filter((m) => m[2]!.trim())
    .map((m, i) => ({ file: `popup.html <${m[1]}> #${i + 1}`, data: Buffer.from(m[2]!) }));
}

export function popupGzipBytes(outDir = OUT): { files: Array<{ file: string; raw: number; gzip: number }>; total: number } {
  const assets = [...popupAssets(outDir).map((file) => ({ file, data: readFileSync(join(outDir, file)) })), ...popupInline(outDir)];
  const files = assets.map(({ file, data }) => ({ file, raw: data.length, gzip: gzipSync(data, { level: 9 }).length }));
  return { files, total: files.reduce((sum, f) => sum + f.gzip, 0) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  readdirSync(OUT);
  const { files, total } = popupGzipBytes();
  console.table(files);
  console.log(
    `popup JS + CSS: ${(total / 1024).toFixed(1)} KB gzipped (budget ${POPUP_BUDGET_BYTES / 1024} KB) ${total <= POPUP_BUDGET_BYTES ? '✔' : '✖ over budget'}`,
  );
  process.exitCode = total <= POPUP_BUDGET_BYTES ? 0 : 1;
}
