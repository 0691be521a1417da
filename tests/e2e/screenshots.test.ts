// `npm run screenshots` end to end, into a temporary directory: the built extension in Chromium
// against the sandbox and a real relay; every picture the store takes, at its size, with something
// in it, and the team policy file gone afterwards.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pictureStats, readPng } from '../../scripts/png';
import { BOARD_SHOT_SIZE, makeBoardScreenshots } from '../../scripts/board-screenshots';
import { makeScreenshots, POLICY_FILE } from '../../scripts/screenshots';
import { SHOT_SIZE, STORE_SHOTS } from '../../scripts/store-shots';

const out = mkdtempSync(join(tmpdir(), 'switchboard-screenshots-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('npm run screenshots', () => {
  it('writes each store picture at 1280×800 and the README popup at 320 px wide, none blank; removes the team policy', async () => {
    const lines: string[] = [];
    const written = await makeScreenshots({ outDir: out, readmePopup: join(out, 'readme-popup.png'), log: (l) => lines.push(l) });

    expect(written.map((w) => basename(w.path)).sort()).toEqual([...STORE_SHOTS.map((s) => s.file), 'readme-popup.png'].sort());
    for (const { path, width, height } of written) {
      const png = readPng(readFileSync(path));
      expect([png.width, png.height], path).toEqual([width, height]);
      if (basename(path) === 'readme-popup.png') expect(width).toBe(320);
      else expect([width, height], path).toEqual([SHOT_SIZE.width, SHOT_SIZE.height]);
      const stats = pictureStats(png);
      expect(stats.lumaSpread, path).toBeGreaterThan(10);
      expect(stats.drawn, path).toBeGreaterThan(0.1);
    }
    // Written before Chromium started (when the directory can be written), never left behind.
    expect(existsSync(POLICY_FILE)).toBe(false);
    expect(lines.join('\n')).toMatch(/switchboard-screenshots\.json|cannot write/);
  }, 120_000); // ~20 s

  it("writes the board's and a report's pictures at 1280×800, none blank", async () => {
    const written = await makeBoardScreenshots({
      board: join(out, 'board.png'),
      report: join(out, 'board-report.png'),
      log: () => undefined,
    });
    expect(written.map((w) => basename(w.path))).toEqual(['board.png', 'board-report.png']);
    for (const { path } of written) {
      const png = readPng(readFileSync(path));
      expect([png.width, png.height], path).toEqual([BOARD_SHOT_SIZE.width, BOARD_SHOT_SIZE.height]);
      const stats = pictureStats(png);
      expect(stats.lumaSpread, path).toBeGreaterThan(10);
      expect(stats.drawn, path).toBeGreaterThan(0.1);
    }
  }, 60_000);
});
