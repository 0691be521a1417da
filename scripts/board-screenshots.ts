// The README's pictures of the team lead's board (docs/board.png) and of a report
// (docs/board-report.png), 1280×800, made by `npm run screenshots` from the real thing: the board page
// the relay serves (relay/dist/board, built first if missing), in the system's Chromium, signed in with
// a supervisor token, while the sandbox plays the scripted day of five agents (scripts/browser/board.ts)
// through a real relay: the whole day two days back, for the report, and today up to a quarter past
// noon, shifted so that it ends now, for the board (mixed statuses, a chat open, how long each has held).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BoardPage, daySteps, launchChromium, plainDayBack, playStep, startTeamRelay, supervisorToken, zonedTime } from './browser/board';
import { pngWriter, type WrittenPng } from './png';

const ROOT = resolve(import.meta.dirname, '..');
export const BOARD_SHOT_SIZE = { width: 1280, height: 800 };
const TZ = 'Europe/Berlin';
/** The board shows the day as it stands at 12:12: two at lunch, one in a meeting, bob with a chat open. */
const BOARD_AT_MINUTE = 12 * 60 + 12;
const MINUTE = 60_000;

/** Builds the board page when relay/dist/board is missing (`npm run screenshots` on a fresh clone). */
function ensureBoardBuilt(log: (line: string) => void): void {
  if (existsSync(join(ROOT, 'relay/dist/board/index.html'))) return;
  log('  building the board page (npm run build:board -w relay)…');
  const build = spawnSync('npm', ['run', 'build:board', '-w', 'relay'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  if (build.status !== 0) throw new Error('npm run build:board -w relay failed');
}

export async function makeBoardScreenshots({
  board = join(ROOT, 'docs/board.png'),
  report = join(ROOT, 'docs/board-report.png'),
  log = (line: string) => console.log(line),
}: {
  board?: string;
  report?: string;
  log?: (line: string) => void;
} = {}): Promise<WrittenPng[]> {
  ensureBoardBuilt(log);
  const written: WrittenPng[] = [];
  const write = pngWriter(written, log);
  const { relay, sandbox } = await startTeamRelay();
  const browser = await launchChromium();
  try {
    const day = plainDayBack(2, TZ);
    for (const step of daySteps((minute) => zonedTime(day, minute, TZ))) await playStep(sandbox, step);
    const now = Date.now();
    for (const step of daySteps((minute) => now - (BOARD_AT_MINUTE - minute) * MINUTE, BOARD_AT_MINUTE)) await playStep(sandbox, step);

    const page = await BoardPage.open(browser, relay.relay.url, { timezoneId: TZ, viewport: BOARD_SHOT_SIZE });
    await page.signIn(supervisorToken());
    await page.waitLive();
    await page.page.getByTestId('count-pause').filter({ hasText: '3' }).waitFor();
    write(board, await page.page.screenshot());

    await page.page.getByTestId('nav-reports').click();
    await page.page.locator('#report-from').fill(day);
    await page.page.locator('#report-to').fill(day);
    await page.page.locator('#report-tz').fill(TZ);
    await page.page.getByTestId('show-report').click();
    await page.page.getByTestId('report-period').filter({ hasText: day }).waitFor();
    await page.page.getByTestId('report-agents').locator('tr[data-agent]').nth(4).waitFor();
    write(report, await page.page.screenshot());
    return written;
  } finally {
    await browser.close();
    await sandbox.close();
    await relay.dispose();
  }
}
