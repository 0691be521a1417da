// One version: the root package.json's. WXT writes it into both manifests (tests/packages checks
// the zips); the relay and protocol packages, their pins on each other, the lockfile and the
// newest CHANGELOG release carry the same. `npm run set-version` changes them all.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WORKSPACES, setVersion } from '../scripts/set-version';

const ROOT = resolve(import.meta.dirname, '..');
const FILES = ['package.json', 'package-lock.json', ...WORKSPACES.map((w) => `${w}/package.json`)];

/** Every place a version of ours is written, and what it says. */
function versions(root: string): Record<string, string> {
  const read = (path: string) => JSON.parse(readFileSync(join(root, path), 'utf8'));
  const names = WORKSPACES.map((w) => read(`${w}/package.json`).name as string);
  const found: Record<string, string> = {};
  const collect = (where: string, entry: Record<string, any>) => {
    found[`${where} version`] = entry.version;
    for (const kind of ['dependencies', 'devDependencies'])
      for (const name of names) if (entry[kind]?.[name]) found[`${where} ${kind}.${name}`] = entry[kind][name];
  };
  collect('package.json', read('package.json'));
  for (const w of WORKSPACES) collect(`${w}/package.json`, read(`${w}/package.json`));
  const lock = read('package-lock.json');
  found['package-lock.json version'] = lock.version;
  for (const key of ['', ...WORKSPACES]) collect(`package-lock.json packages["${key}"]`, lock.packages[key]);
  return found;
}

describe('the version, from one place', () => {
  it('package.json, the relay, the protocol, their pins and the lockfile agree', () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    const all = versions(ROOT);
    expect(Object.keys(all).length).toBeGreaterThanOrEqual(10);
    expect(Object.entries(all).filter(([, v]) => v !== version)).toEqual([]);
  });

  it('the newest release in CHANGELOG.md is that version', () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    const releases = [...readFileSync(join(ROOT, 'CHANGELOG.md'), 'utf8').matchAll(/^## \[(\d+\.\d+\.\d+)\] - \d{4}-\d{2}-\d{2}$/gm)].map(
      (m) => m[1],
    );
    expect(releases[0]).toBe(version);
  });

  it('npm run set-version changes every one of them', () => {
    const copy = mkdtempSync(join(tmpdir(), 'switchboard-version-'));
    try {
      for (const file of FILES) {
        mkdirSync(join(copy, file, '..'), { recursive: true });
        cpSync(join(ROOT, file), join(copy, file));
      }
      setVersion(copy, '2.3.4');
      const all = versions(copy);
      expect(Object.entries(all).filter(([, v]) => v !== '2.3.4')).toEqual([]);
      expect(Object.keys(all)).toEqual(Object.keys(versions(ROOT)));
      expect(() => setVersion(copy, '2.3.4-beta')).toThrow(/dotted numbers/);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});
