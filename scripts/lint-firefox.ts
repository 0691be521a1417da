// `npm run lint:firefox`: `npm run zip` (both packages: Chrome MV3 and Firefox MV3), then `web-ext
// lint` (the linter AMO runs) on what the Firefox zip holds. Fails on any error and on any warning
// about the manifest; other warnings are printed. tests/packages/zips.test.ts checks both zips.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import JSZip from 'jszip';
import { packagePath } from './packages';

const zip = spawnSync('npm', ['run', '--silent', 'zip'], { stdio: ['ignore', 'ignore', 'inherit'] });
if (zip.status !== 0) process.exit(zip.status ?? 1);

const dir = mkdtempSync(join(tmpdir(), 'switchboard-firefox-zip-'));
try {
  const archive = await JSZip.loadAsync(readFileSync(packagePath('firefox')));
  for (const file of Object.values(archive.files)) {
    if (file.dir) continue;
    mkdirSync(dirname(join(dir, file.name)), { recursive: true });
    writeFileSync(join(dir, file.name), await file.async('nodebuffer'));
  }
  const lint = spawnSync('npx', ['web-ext', 'lint', '--source-dir', dir, '--output', 'json'], { encoding: 'utf8' });
  interface Message {
    code: string;
    message: string;
    file?: string;
  }
  const report = JSON.parse(lint.stdout) as { summary: Record<string, number>; errors: Message[]; warnings: Message[]; notices: Message[] };
  const aboutManifest = (m: Message) => m.file === 'manifest.json' || /MANIFEST|STRICT_MAX_VERSION|MIN_VERSION/.test(m.code);
  const failing = [...report.errors, ...report.warnings.filter(aboutManifest), ...report.notices.filter(aboutManifest)];
  for (const m of [...report.errors, ...report.warnings, ...report.notices]) {
    const kind = report.errors.includes(m) ? 'error' : report.warnings.includes(m) ? 'warning' : 'notice';
    console.log(`${failing.includes(m) ? '✖' : ' '} ${kind} ${m.code}: ${m.message}${m.file ? ` (${m.file})` : ''}`);
  }
  const aboutIt = report.warnings.filter(aboutManifest).length + report.notices.filter(aboutManifest).length;
  console.log(
    `web-ext lint (${packagePath('firefox')}): ${report.summary.errors} errors, ${report.summary.warnings} warnings (${aboutIt} about the manifest), ${report.summary.notices} notices`,
  );
  process.exitCode = failing.length ? 1 : 0;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
