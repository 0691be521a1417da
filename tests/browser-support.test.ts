// The manifest's minimum browser versions are facts about the code: each platform feature it relies
// on is listed in browser-support.ts with the first versions MDN's browser-compat-data gives, and
// nothing newer slips in unlisted. (tests/packages checks the shipped bundles, dependencies included.)
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MIN_CHROME, MIN_FIREFOX, MIN_FIREFOX_ANDROID, RELIED_ON, WATCHED } from '../browser-support';
import { describeUse, unusedRequirements, versionsFromMdn, watchedUses, type CodeFile } from '../scripts/browser-support-scan';

const ROOT = resolve(import.meta.dirname, '..');

function sources(): CodeFile[] {
  const files: CodeFile[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.(tsx?|js|css|html)$/.test(entry.name)) files.push({ name: relative(ROOT, path), text: readFileSync(path, 'utf8') });
    }
  };
  // What the extension is built from: its own code and the protocol package it bundles.
  for (const dir of ['entrypoints', 'components', 'lib', 'public', 'protocol/src']) walk(join(ROOT, dir));
  return files;
}

describe('browser support: the minimum versions follow from what the code uses', () => {
  it('each feature relied on has the first versions MDN gives (partial support only where the row says why it is enough)', () => {
    for (const feature of RELIED_ON.filter((f) => f.bcd)) {
      const { chrome, firefox, firefoxAndroid } = feature;
      expect({ chrome, firefox, ...(firefoxAndroid ? { firefoxAndroid } : {}) }, feature.bcd!).toEqual(versionsFromMdn(feature));
    }
    for (const feature of RELIED_ON.filter((f) => !f.bcd)) expect(feature.source, feature.why).toMatch(/release notes/);
  });

  it('each feature relied on is still used by the code (a stale row would hold the minimums up)', () => {
    expect(unusedRequirements(sources(), 'code').map((f) => f.why)).toEqual([]);
  });

  it('the code uses no newer feature that is not listed', () => {
    const uses = watchedUses(sources());
    expect(uses.map(describeUse)).toEqual([]);
  });

  it('the watch list catches what it is meant to catch', () => {
    const found = (name: string, text: string) => watchedUses([{ name, text }]).map((u) => u.bcd);
    expect(found('a.ts', 'const { promise } = Promise.withResolvers();')).toEqual(['javascript.builtins.Promise.withResolvers']);
    expect(found('a.ts', 'new Set([1]).union(other)')).toEqual(['javascript.builtins.Set.union']);
    expect(found('a.ts', 'z.union([a, b])')).toEqual([]);
    expect(found('a.css', '.row:has(input) { color: red }')).toEqual(['css.selectors.has']);
    expect(found('a.ts', '":has(" is only text in a script')).toEqual([]);
    expect(new Set(WATCHED.map((w) => w.bcd)).size).toBe(WATCHED.length);
    expect(WATCHED.filter((w) => RELIED_ON.some((r) => r.bcd === w.bcd))).toEqual([]);
  });

  it('the minimums: Chrome 120, Firefox 140 (Android 142); tests/packages checks the built manifests carry them', () => {
    expect([MIN_CHROME, MIN_FIREFOX, MIN_FIREFOX_ANDROID]).toEqual([120, 140, 142]);
  });
});
