// `npm run typecheck`: one tsc per runtime, two at a time (these machines have 2 cores). Each
// tsconfig says which globals its code may use; the *.typecheck.ts files in them prove the limits.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const TSC = createRequire(import.meta.url).resolve('typescript/bin/tsc');

const TSCONFIGS = [
  'tsconfig.json', // the extension: browser + WXT, no Node
  'tests/tsconfig.json', // the extension's unit tests: + Node
  'tsconfig.node.json', // sandbox, scripts, configs: Node, no DOM
  'tsconfig.browser-tools.json', // scripts/browser, e2e, bench: Node + DOM for page.evaluate()
  'protocol/tsconfig.json', // contracts: neither
  'relay/tsconfig.json', // the relay: Node, no DOM
  'relay/board/tsconfig.json', // the relay's board page: browser, no Node
  'relay/board/test/tsconfig.json', // the board page's unit tests: + Node
];

function check(project: string): Promise<{ project: string; ok: boolean; output: string; seconds: number }> {
  const started = Date.now();
  return new Promise((done) => {
    const child = spawn(process.execPath, [TSC, '-p', project, '--pretty', 'false'], { cwd: ROOT });
    let output = '';
    child.stdout.on('data', (d) => {
      output += d;
    });
    child.stderr.on('data', (d) => {
      output += d;
    });
    child.on('error', (err) => done({ project, ok: false, output: err.message, seconds: 0 }));
    child.on('close', (code) => done({ project, ok: code === 0, output, seconds: (Date.now() - started) / 1000 }));
  });
}

const queue = [...TSCONFIGS];
const results: Awaited<ReturnType<typeof check>>[] = [];
await Promise.all(
  Array.from({ length: 2 }, async () => {
    for (let project = queue.shift(); project; project = queue.shift()) {
      const r = await check(project);
      results.push(r);
      console.log(`${r.ok ? '✔' : '✖'} ${r.project} (${r.seconds.toFixed(1)} s)`);
      if (!r.ok) process.stdout.write(r.output);
    }
  }),
);
process.exit(results.every((r) => r.ok) ? 0 : 1);
