// Builds the Firefox add-on and runs `web-ext lint` (the linter AMO runs); any error fails.
import { spawnSync } from 'node:child_process';

const build = spawnSync('npx', ['wxt', 'build', '-b', 'firefox', '--mv3'], { stdio: ['ignore', 'ignore', 'inherit'] });
if (build.status !== 0) process.exit(build.status ?? 1);
const lint = spawnSync('npx', ['web-ext', 'lint', '--source-dir', '.output/firefox-mv3', '--output', 'json'], { encoding: 'utf8' });
const report = JSON.parse(lint.stdout) as {
  summary: Record<string, number>;
  errors: Array<{ code: string; message: string; file?: string }>;
  warnings: Array<{ code: string; message: string; file?: string }>;
};
for (const m of [...report.errors, ...report.warnings])
  console.log(`${report.errors.includes(m) ? 'error' : 'warning'} ${m.code}: ${m.message}${m.file ? ` (${m.file})` : ''}`);
console.log(`web-ext lint: ${report.summary.errors} errors, ${report.summary.warnings} warnings`);
process.exit(report.summary.errors ? 1 : 0);
