// The two store packages as `npm run zip` made them (scripts/lint-firefox.ts makes them first):
// each unpacked and its manifest checked against what we mean to ship.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import JSZip from 'jszip';
import { beforeAll, describe, expect, it } from 'vitest';
import { GECKO_ID, MIN_CHROME, MIN_FIREFOX, MIN_FIREFOX_ANDROID, RELIED_ON } from '../../browser-support';
import { describeUse, watchedUses } from '../../scripts/browser-support-scan';
import { packagePath, rootPackage } from '../../scripts/packages';

const ROOT = resolve(import.meta.dirname, '../..');
const PERMISSIONS = ['alarms', 'idle', 'notifications', 'storage'];
const OPTIONAL_HOSTS = ['http://*/*', 'https://*/*'];
const LOCALES = ['de', 'en'];
const LISTING = readFileSync(resolve(ROOT, 'docs/store/listing.md'), 'utf8');

/** docs/store/listing.md's permission justifications: each `- \`permission\` (note) — why` item of its section. */
function justifications(): Record<string, string> {
  const section = LISTING.split('\n## Permission justifications\n')[1]?.split('\n## ')[0] ?? '';
  const items = section.matchAll(/^- `([^`]+)`(?: \([^)\n]*\))? — ([\s\S]*?)(?=\n- `|\n\n|(?![\s\S]))/gm);
  return Object.fromEntries([...items].map(([, permission, why]) => [permission!, why!.replace(/\s+/g, ' ')]));
}

type Manifest = Record<string, any>;
interface Unpacked {
  zip: JSZip;
  manifest: Manifest;
  has(path: string): boolean;
  text(path: string): Promise<string>;
}

async function unpack(browser: 'chrome' | 'firefox'): Promise<Unpacked> {
  const zip = await JSZip.loadAsync(readFileSync(packagePath(browser)));
  const has = (path: string) => Boolean(zip.file(path.replace(/^\//, '')));
  const text = (path: string) => zip.file(path.replace(/^\//, ''))!.async('string');
  return { zip, has, text, manifest: JSON.parse(await text('manifest.json')) };
}

/** A PNG's width and height, from its IHDR chunk. */
async function pngSize(pkg: Unpacked, path: string): Promise<[number, number]> {
  const bytes = await pkg.zip.file(path)!.async('nodebuffer');
  expect(bytes.subarray(1, 4).toString('latin1'), `${path} is a PNG`).toBe('PNG');
  return [bytes.readUInt32BE(16), bytes.readUInt32BE(20)];
}

const packages: Record<'chrome' | 'firefox', Unpacked> = {} as never;
beforeAll(async () => {
  packages.chrome = await unpack('chrome');
  packages.firefox = await unpack('firefox');
});

describe.each(['chrome', 'firefox'] as const)('the %s package', (browser) => {
  const pkg = () => packages[browser];

  it('is Manifest V3 at the version in package.json', () => {
    expect(pkg().manifest.manifest_version).toBe(3);
    expect(pkg().manifest.version).toBe(rootPackage().version);
  });

  it('asks for exactly storage, alarms, notifications, idle; host access only at runtime, never <all_urls>', () => {
    const m = pkg().manifest;
    expect([...m.permissions].sort()).toEqual(PERMISSIONS);
    expect([...m.optional_host_permissions].sort()).toEqual(OPTIONAL_HOSTS);
    expect(m.host_permissions ?? []).toEqual([]);
    expect(m.optional_permissions).toBeUndefined();
    expect(m.content_scripts).toBeUndefined();
    expect(JSON.stringify(m)).not.toContain('<all_urls>');
  });

  it('docs/store/listing.md justifies each permission and host permission it asks for, and no other', () => {
    const m = pkg().manifest;
    const asked = [...m.permissions, ...(m.optional_host_permissions ?? []), ...(m.host_permissions ?? [])];
    const justified = justifications();
    expect(Object.keys(justified).sort()).toEqual(asked.sort());
    // A reviewer reads why, not a word: each says what it is used for.
    for (const [permission, why] of Object.entries(justified)) expect(why.length, permission).toBeGreaterThan(100);
  });

  it('has its icons (each file there, a PNG of its size) and the pages and scripts it names', async () => {
    const m = pkg().manifest;
    expect(Object.keys(m.icons).sort()).toEqual(['128', '16', '32', '48']);
    for (const [size, path] of Object.entries<string>(m.icons))
      expect(await pngSize(pkg(), path), path).toEqual([Number(size), Number(size)]);
    const named = [
      m.action.default_popup,
      m.options_ui.page,
      ...(browser === 'chrome' ? [m.background.service_worker] : m.background.scripts),
    ];
    for (const path of named) expect(pkg().has(path), path).toBe(true);
  });

  it('carries PRIVACY.md as privacy.txt, which the options page links to', async () => {
    expect(await pkg().text('privacy.txt')).toBe(readFileSync(resolve(ROOT, 'PRIVACY.md'), 'utf8'));
    expect(await pkg().text(pkg().manifest.options_ui.page)).toBeTruthy();
  });

  it('default_locale en, _locales for en and de, and every __MSG_…__ the manifest names is in both', async () => {
    const m = pkg().manifest;
    expect(m.default_locale).toBe('en');
    const keys = [...JSON.stringify(m).matchAll(/__MSG_(\w+)__/g)].map((k) => k[1]!);
    expect(keys).toEqual(expect.arrayContaining(['extName', 'extDescription']));
    for (const locale of LOCALES) {
      const path = `_locales/${locale}/messages.json`;
      expect(pkg().has(path), path).toBe(true);
      const messages = JSON.parse(await pkg().text(path)) as Record<string, { message: string }>;
      for (const key of keys) expect(messages[key]?.message, `${path}: ${key}`).toBeTruthy();
    }
    // A store shows extName: Chrome allows 75 characters, and a description of at most 132.
    const en = JSON.parse(await pkg().text('_locales/en/messages.json')) as Record<string, { message: string }>;
    expect(en.extName!.message.length).toBeLessThanOrEqual(75);
    expect(en.extDescription!.message.length).toBeLessThanOrEqual(132);
  });

  it('its manifest carries the platform features relied on there, and its code (dependencies included) no newer one unlisted', async () => {
    const manifest = JSON.stringify(pkg().manifest);
    for (const feature of RELIED_ON.filter((f) => f.in === 'manifest' && f[browser] !== null))
      expect(manifest, feature.why).toMatch(feature.uses);
    const code = Object.values(pkg().zip.files).filter((f) => !f.dir && /\.(js|css|html)$/.test(f.name));
    expect(code.length).toBeGreaterThan(3);
    const files = await Promise.all(code.map(async (f) => ({ name: `${browser}:${f.name}`, text: await f.async('string') })));
    expect(watchedUses(files).map(describeUse)).toEqual([]);
  });
});

describe('browser-specific keys', () => {
  it(`Chrome: minimum_chrome_version ${MIN_CHROME}, nothing for Firefox`, () => {
    const m = packages.chrome.manifest;
    expect(m.minimum_chrome_version).toBe(String(MIN_CHROME));
    expect(m.browser_specific_settings).toBeUndefined();
    expect(m.background).toEqual({ service_worker: 'background.js' });
  });

  it('Chrome: declares the managed-policy schema it ships, and carries no `key` (the Chrome Web Store refuses one)', () => {
    const m = packages.chrome.manifest;
    expect(m.storage).toEqual({ managed_schema: 'managed_schema.json' });
    expect(packages.chrome.has('managed_schema.json')).toBe(true);
    expect(m).not.toHaveProperty('key');
    // Firefox reads its policies.json without a schema, and has no key either.
    expect(packages.firefox.manifest.storage).toBeUndefined();
    expect(packages.firefox.manifest).not.toHaveProperty('key');
  });

  it(`Firefox: the UUID-form gecko id, strict_min_version ${MIN_FIREFOX} (Android ${MIN_FIREFOX_ANDROID}), an event page`, () => {
    const m = packages.firefox.manifest;
    expect(m.minimum_chrome_version).toBeUndefined();
    expect(GECKO_ID).toMatch(/^\{[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\}$/);
    expect(m.browser_specific_settings.gecko).toMatchObject({ id: GECKO_ID, strict_min_version: `${MIN_FIREFOX}.0` });
    expect(m.browser_specific_settings.gecko_android).toEqual({ strict_min_version: `${MIN_FIREFOX_ANDROID}.0` });
    expect(m.background).toEqual({ scripts: ['background.js'] });
  });

  it('Firefox: data_collection_permissions declare what leaves the browser, and PRIVACY.md gives the reason for each', () => {
    const declared = packages.firefox.manifest.browser_specific_settings.gecko.data_collection_permissions;
    expect(declared).toEqual({ required: ['personallyIdentifyingInfo', 'authenticationInfo'] });
    const privacy = readFileSync(resolve(ROOT, 'PRIVACY.md'), 'utf8');
    for (const category of declared.required) expect(privacy, category).toMatch(new RegExp(`\`${category}\`[^\\n]*—`));
    // The store listing's disclosures say the same.
    for (const category of declared.required) expect(LISTING, `listing.md: ${category}`).toContain(`\`${category}\``);
  });
});
