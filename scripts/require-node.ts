// Imported first by scripts/test.ts and scripts/start.ts: on a Node older than package.json's engines, or
// with node_modules built for another Node, say what to do and stop before anything fails obscurely.
import { createRequire } from 'node:module';

const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 13)) {
  console.error(`Switchboard needs Node 22.13 or newer, and CI runs Node 24 (.nvmrc); this is Node ${process.versions.node}.
  Switch with nvm (nvm install && nvm use, which read .nvmrc),
  or get Node 24 from the npm registry: source scripts/node24.sh
  then run npm ci again, so that better-sqlite3 is compiled for that Node.`);
  process.exit(1);
}

try {
  const Database = createRequire(import.meta.url)('better-sqlite3');
  new Database(':memory:').close();
} catch (err) {
  console.error(`better-sqlite3 does not load in Node ${process.versions.node}: ${(err as Error).message.split('\n')[0]}
  node_modules was probably installed with another Node: run npm ci (or npm rebuild better-sqlite3) with this one.`);
  process.exit(1);
}
