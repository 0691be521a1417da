// `npm run set-version -- 0.2.0`: the root package.json's version is the one version (WXT writes
// it into both manifests); this sets it there and in the workspaces (relay/, protocol/), their
// pins on each other, and the lockfile's copies. tests/version.test.ts fails if they drift apart.
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const WORKSPACES = ['relay', 'protocol'] as const;

interface Json {
  name?: string;
  version?: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  packages?: Record<string, Json>;
}

export function setVersion(root: string, next: string): void {
  if (!/^\d+\.\d+\.\d+$/.test(next)) throw new Error(`${next}: a browser accepts only dotted numbers (major.minor.patch)`);
  const read = (path: string) => JSON.parse(readFileSync(join(root, path), 'utf8')) as Json;
  const edit = (path: string, change: (json: Json) => void) => {
    const json = read(path);
    change(json);
    writeFileSync(join(root, path), `${JSON.stringify(json, null, 2)}\n`);
  };
  const names = WORKSPACES.map((w) => read(join(w, 'package.json')).name ?? w);
  const bump = (entry: Json) => {
    entry.version = next;
    for (const deps of [entry.dependencies, entry.devDependencies])
      for (const name of names) if (deps?.[name] !== undefined) deps[name] = next;
  };
  edit('package.json', bump);
  for (const w of WORKSPACES) edit(join(w, 'package.json'), bump);
  edit('package-lock.json', (lock) => {
    lock.version = next;
    for (const key of ['', ...WORKSPACES]) if (lock.packages?.[key]) bump(lock.packages[key]);
  });
}

if (process.argv[1] === import.meta.filename) {
  const next = process.argv[2] ?? '';
  try {
    setVersion(resolve(import.meta.dirname, '..'), next);
    console.log(
      `version ${next}: package.json, ${WORKSPACES.map((w) => `${w}/package.json`).join(', ')}, package-lock.json. Add its section to CHANGELOG.md.`,
    );
  } catch (error) {
    console.error(`usage: npm run set-version -- <major.minor.patch>\n${(error as Error).message}`);
    process.exit(2);
  }
}
