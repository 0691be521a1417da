// Checks code against browser-support.ts: the first versions MDN's browser-compat-data gives for
// each feature, and the WATCHED features a piece of code uses that RELIED_ON does not list.
// Used by tests/browser-support.test.ts (the sources) and tests/packages (the shipped bundles).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { RELIED_ON, WATCHED, type PlatformFeature } from '../browser-support';

interface Support {
  version_added: string | boolean | null;
  version_removed?: string;
  partial_implementation?: boolean;
  flags?: unknown;
  prefix?: string;
  alternative_name?: string;
}
type Browser = 'chrome' | 'firefox' | 'firefox_android';

// Read as plain JSON, once: through the test runner's transform its 20 MB take seconds.
let bcd: unknown;
const data = () => {
  bcd ??= JSON.parse(readFileSync(createRequire(import.meta.url).resolve('@mdn/browser-compat-data'), 'utf8'));
  return bcd;
};

function support(key: string): Record<Browser, Support | Support[] | 'mirror' | undefined> {
  const node = key.split('.').reduce<unknown>((o, part) => (o as Record<string, unknown> | undefined)?.[part], data()) as
    | { __compat?: { support: Record<Browser, Support | Support[] | 'mirror'> } }
    | undefined;
  if (!node?.__compat) throw new Error(`${key} is not a key of @mdn/browser-compat-data`);
  return node.__compat.support;
}

/** The first version with the feature under its own name, unflagged; partial support counts only when `partial` is allowed. */
export function firstVersion(key: string, browser: Browser, { partial = false } = {}): number | null {
  const all = support(key);
  let entry = all[browser];
  if (entry === 'mirror') entry = all[browser === 'firefox_android' ? 'firefox' : 'chrome'];
  if (entry === 'mirror' || entry === undefined) return null;
  const usable = (Array.isArray(entry) ? entry : [entry]).filter(
    (e) =>
      typeof e.version_added === 'string' &&
      !e.flags &&
      !e.prefix &&
      !e.alternative_name &&
      (partial || !e.partial_implementation) &&
      (!e.version_removed || partial),
  );
  const versions = usable.map((e) => Number.parseInt(String(e.version_added).replace(/^≤/, ''), 10)).filter(Number.isFinite);
  return versions.length ? Math.min(...versions) : null;
}

/** What browser-compat-data says for a RELIED_ON entry, in the entry's own shape. */
export function versionsFromMdn(feature: PlatformFeature): Pick<PlatformFeature, 'chrome' | 'firefox' | 'firefoxAndroid'> {
  const key = feature.bcd!;
  const partial = Boolean(feature.partialOk);
  const android = firstVersion(key, 'firefox_android', { partial });
  const firefox = firstVersion(key, 'firefox', { partial });
  return {
    chrome: feature.chrome === null ? null : firstVersion(key, 'chrome', { partial }),
    firefox: feature.firefox === null ? null : firefox,
    ...(android !== null && android !== firefox ? { firefoxAndroid: android } : {}),
  };
}

export interface CodeFile {
  name: string;
  text: string;
}

export interface WatchedUse {
  bcd: string;
  file: string;
  match: string;
  chrome: number | null;
  firefox: number | null;
}

const kindOf = (name: string) => (/\.css$/.test(name) ? 'css' : 'js');

/** Uses of WATCHED features in `files` (JS, TS, CSS, HTML), each with the versions it would need. */
export function watchedUses(files: CodeFile[]): WatchedUse[] {
  const uses: WatchedUse[] = [];
  for (const file of files) {
    for (const feature of WATCHED) {
      if (feature.kind !== kindOf(file.name) && !file.name.endsWith('.html')) continue;
      const match = feature.uses.exec(file.text);
      if (match)
        uses.push({
          bcd: feature.bcd,
          file: file.name,
          match: match[0],
          chrome: firstVersion(feature.bcd, 'chrome'),
          firefox: firstVersion(feature.bcd, 'firefox'),
        });
    }
  }
  return uses;
}

/** RELIED_ON entries found in none of `files` (for 'code' entries) — stale rows that hold the minimums up. */
export function unusedRequirements(files: CodeFile[], where: PlatformFeature['in']): PlatformFeature[] {
  return RELIED_ON.filter((f) => f.in === where && !files.some((file) => f.uses.test(file.text)));
}

export const describeUse = (u: WatchedUse) =>
  `${u.file} uses ${u.bcd} ("${u.match}": Chrome ${u.chrome ?? 'no'}, Firefox ${u.firefox ?? 'no'}); add it to RELIED_ON in browser-support.ts`;
