// The store's assets as committed: the screenshots `npm run screenshots` wrote (the size the stores
// take, a picture rather than a blank page) and docs/store/listing.md, which lists them and holds the
// descriptions the stores limit. tests/e2e/screenshots.test.ts runs the command itself.
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pictureStats, pngSize, readPng } from '../scripts/png';
import { SHOT_SIZE, STORE_SHOTS } from '../scripts/store-shots';

const ROOT = resolve(import.meta.dirname, '..');
const STORE = resolve(ROOT, 'docs/store');
const listing = readFileSync(resolve(STORE, 'listing.md'), 'utf8');
const en = JSON.parse(readFileSync(resolve(ROOT, 'public/_locales/en/messages.json'), 'utf8')) as Record<string, { message: string }>;

/** The quoted line after an `<!-- marker -->` comment in listing.md. */
const quotedAfter = (marker: string) => listing.match(new RegExp(`<!-- ${marker} -->\\n> (.+)\\n`))?.[1];

describe('docs/store screenshots', () => {
  it('are exactly the pictures scripts/store-shots.ts lists', () => {
    const pngs = readdirSync(STORE).filter((f) => f.endsWith('.png'));
    expect(pngs.sort()).toEqual(STORE_SHOTS.map((s) => s.file).sort());
  });

  it.each(STORE_SHOTS.map((s) => s.file))('%s is 1280×800 and not blank', (file) => {
    const bytes = readFileSync(resolve(STORE, file));
    expect(pngSize(bytes)).toEqual([SHOT_SIZE.width, SHOT_SIZE.height]);
    const stats = pictureStats(readPng(bytes));
    // A blank page has neither; the caption alone on the canvas draws ~3 % of it.
    expect(stats.lumaSpread, file).toBeGreaterThan(10);
    expect(stats.drawn, file).toBeGreaterThan(0.15);
  });

  it("the README's popup picture is the popup at its own width (320 px)", () => {
    const bytes = readFileSync(resolve(ROOT, 'docs/popup.png'));
    expect(pngSize(bytes)[0]).toBe(320);
    expect(pictureStats(readPng(bytes)).lumaSpread).toBeGreaterThan(10);
  });

  it.each(['board.png', 'board-report.png'])("the README's team board picture %s is 1280×800 and not blank", (file) => {
    const bytes = readFileSync(resolve(ROOT, 'docs', file));
    expect(pngSize(bytes)).toEqual([1280, 800]);
    const stats = pictureStats(readPng(bytes));
    expect(stats.lumaSpread, file).toBeGreaterThan(10);
    expect(stats.drawn, file).toBeGreaterThan(0.1);
  });
});

describe('docs/store/listing.md', () => {
  it('lists each screenshot, in order, with the caption drawn on it', () => {
    const listed = listing.split('<!-- screenshots -->\n')[1]?.match(/^\d+\. `[^`]+` — .+$/gm);
    expect(listed).toEqual(STORE_SHOTS.map((s, i) => `${i + 1}. \`${s.file}\` — ${s.caption}`));
  });

  it("Chrome's summary is the manifest's description, within 132 characters; Firefox's within 250", () => {
    expect(quotedAfter('chrome-summary')).toBe(en.extDescription!.message);
    expect(en.extDescription!.message.length).toBeLessThanOrEqual(132);
    const firefox = quotedAfter('firefox-summary');
    expect(firefox?.length).toBeGreaterThan(0);
    expect(firefox!.length).toBeLessThanOrEqual(250);
  });

  it('names the extension as its manifest does, and leaves the privacy policy URL as an explained placeholder', () => {
    expect(listing).toContain(`**${en.extName!.message}**`);
    expect(listing).toMatch(/`PRIVACY_POLICY_URL` — \*\*a placeholder/);
  });
});
