// The team lead's board end to end, in real Chromium: a real relay (SQLite file, the built page at
// /board), the sandbox as SnapEngage playing a scripted day of five agents (scripts/browser/board.ts)
// through the relay's webhooks, dated on one plain day a few days back in Europe/Berlin, while the
// board is open with a supervisor token. Every figure the report must show is computed by hand below.
import { readFileSync } from 'node:fs';
import { issueRelayToken } from 'switchboard-relay/auth';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BOARD_API_PATH, REPORTS_API_PATH, type Report } from '@switchboard/protocol/board';
import type { Sandbox } from '../../sandbox/server';
import {
  assertBoardBuilt,
  BoardPage,
  DAY_STATUSES,
  daySteps,
  launchChromium,
  plainDayBack,
  playStep,
  startTeamRelay,
  supervisorToken,
  TEAM,
  zonedTime,
} from '../../scripts/browser/board';
import type { RelayUnderTest } from '../../scripts/browser/relay-sandbox';
import { E2E_RELAY_SECRET } from '../../scripts/relay-cli';

const TZ = 'Europe/Berlin';
/** Inside the relay's retention (7 days by default), a day with 24 hours. */
const DAY = plainDayBack(3, TZ);
const LEAD = 'lead@example.com';
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
/** The board must show a change this soon after SnapEngage's webhook POST was answered. */
const BOARD_DEADLINE_MS = 1000;

// ---- the report for DAY, by hand, from DAY_STATUSES and DAY_CHATS ---------------------------------
//
// Online and paused, from each agent's status changes (local times; offline counts as neither):
//   alice  online 08:00–12:00 (4 h) + 12:30–16:00 (3 h 30)            = 7 h 30; Lunch 12:00–12:30 = 30 min
//   bob    online 09:00–11:00 (2 h) + 12:00–13:00 (1 h) + 13:45–17:00 (3 h 15) = 6 h 15;
//          Meeting 11:00–12:00 = 1 h, Lunch 13:00–13:45 = 45 min     → paused 1 h 45
//   carol  online 08:30–10:30 (2 h) + 10:45–14:00 (3 h 15) + 15:00–16:30 (1 h 30) = 6 h 45;
//          no reason 10:30–10:45 = 15 min, Training 14:00–15:00 = 1 h → paused 1 h 15
//   dave   online 10:00–12:00 (2 h) + 13:00–15:00 (2 h)               = 4 h; Lunch 12:00–13:00 = 1 h
//   erin   online 09:30–11:30 (2 h) + 12:15–14:00 (1 h 45)            = 3 h 45; Meeting 11:30–12:15 = 45 min
// Chats (handling time = close − assignment, minutes), median of the sorted times (mean of the two
// middle ones for an even count), p90 = the value at rank ceil(0.9·n):
//   alice  [4, 6, 11]    n=3: median 6,            p90 rank ceil(2.7)=3 → 11
//   bob    [2, 3, 5, 8]  n=4: median (3+5)/2 = 4,  p90 rank ceil(3.6)=4 → 8
//   carol  [7, 9]        n=2: median (7+9)/2 = 8,  p90 rank ceil(1.8)=2 → 9
//   dave   [12]          n=1: 12 and 12 (its close delivered twice counts once)
//   erin   none: 0 chats, no median or p90
const EXPECTED_AGENTS = {
  'alice@example.com': {
    chats: 3,
    median: 6 * MINUTE,
    p90: 11 * MINUTE,
    online: 7.5 * HOUR,
    byReason: { Lunch: 30 * MINUTE },
    first: [8, 0],
    last: [16, 0],
  },
  'bob@example.com': {
    chats: 4,
    median: 4 * MINUTE,
    p90: 8 * MINUTE,
    online: 6.25 * HOUR,
    byReason: { Meeting: HOUR, Lunch: 45 * MINUTE },
    first: [9, 0],
    last: [17, 0],
  },
  'carol@example.com': {
    chats: 2,
    median: 8 * MINUTE,
    p90: 9 * MINUTE,
    online: 6.75 * HOUR,
    byReason: { '': 15 * MINUTE, Training: HOUR },
    first: [8, 30],
    last: [16, 30],
  },
  'dave@example.com': {
    chats: 1,
    median: 12 * MINUTE,
    p90: 12 * MINUTE,
    online: 4 * HOUR,
    byReason: { Lunch: HOUR },
    first: [10, 0],
    last: [15, 0],
  },
  'erin@example.com': {
    chats: 0,
    median: null,
    p90: null,
    online: 3.75 * HOUR,
    byReason: { Meeting: 45 * MINUTE },
    first: [9, 30],
    last: [14, 0],
  },
} as const;
const paused = (byReason: Record<string, number>) => Object.values(byReason).reduce((a, b) => a + b, 0);
// Per reason, the sum over agents:
//   Lunch    alice 30 min + bob 45 min + dave 1 h = 2 h 15
//   Meeting  bob 1 h + erin 45 min                = 1 h 45
//   Training carol 1 h;  (no reason) carol 15 min
const EXPECTED_REASONS: Record<string, { total: number; byAgent: Record<string, number> }> = {
  Lunch: { total: 2.25 * HOUR, byAgent: { 'alice@example.com': 30 * MINUTE, 'bob@example.com': 45 * MINUTE, 'dave@example.com': HOUR } },
  Meeting: { total: 1.75 * HOUR, byAgent: { 'bob@example.com': HOUR, 'erin@example.com': 45 * MINUTE } },
  Training: { total: HOUR, byAgent: { 'carol@example.com': HOUR } },
  '': { total: 15 * MINUTE, byAgent: { 'carol@example.com': 15 * MINUTE } },
};
// Per hour of day. Chats started: a chat starts at its creation, 10 s before its assignment
// (08:10 → 08:09:50): 8 → alice-1; 9 → bob-1, carol-1, alice-2; 10 → bob-2, dave-1; 11 → carol-2;
// 12 → bob-3; 14 → alice-3; 15 → bob-4.
// Agents online = online minutes inside the hour, summed over agents, ÷ 60:
//   8: alice 60 + carol 30                                  =  90 → 1.5
//   9: alice 60 + bob 60 + carol 60 + erin 30               = 210 → 3.5
//  10: alice 60 + bob 60 + carol 30+15 + dave 60 + erin 60  = 285 → 4.75
//  11: alice 60 + carol 60 + dave 60 + erin 30              = 210 → 3.5
//  12: alice 30 + bob 60 + carol 60 + erin 45               = 195 → 3.25
//  13: alice 60 + bob 15 + carol 60 + dave 60 + erin 60     = 255 → 4.25
//  14: alice 60 + bob 60 + dave 60                          = 180 → 3
//  15: alice 60 + bob 60 + carol 60                         = 180 → 3
//  16: bob 60 + carol 30                                    =  90 → 1.5
//  (check: the hours add up to 1695 min = alice 450 (7 h 30) + bob 375 + carol 405 + dave 240 + erin 225, as above)
const EXPECTED_HOURS: Record<number, { chatsStarted: number; agentsOnline: number }> = {
  8: { chatsStarted: 1, agentsOnline: 1.5 },
  9: { chatsStarted: 3, agentsOnline: 3.5 },
  10: { chatsStarted: 2, agentsOnline: 4.75 },
  11: { chatsStarted: 1, agentsOnline: 3.5 },
  12: { chatsStarted: 1, agentsOnline: 3.25 },
  13: { chatsStarted: 0, agentsOnline: 4.25 },
  14: { chatsStarted: 1, agentsOnline: 3 },
  15: { chatsStarted: 1, agentsOnline: 3 },
  16: { chatsStarted: 0, agentsOnline: 1.5 },
};
const hourOf = (h: number) => EXPECTED_HOURS[h] ?? { chatsStarted: 0, agentsOnline: 0 };

let sandbox: Sandbox;
let relay: RelayUnderTest;
let browser: Browser;
let board: BoardPage;
const leadToken = supervisorToken(LEAD);

beforeAll(async () => {
  assertBoardBuilt();
  ({ relay, sandbox } = await startTeamRelay());
  browser = await launchChromium();
  board = await BoardPage.open(browser, relay.relay.url, { timezoneId: TZ });
  await board.signIn(leadToken);
  await board.waitLive();
});

afterAll(async () => {
  await browser?.close();
  await sandbox?.close();
  await relay?.dispose();
});

const api = (path: string, token: string) => fetch(`${relay.relay.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
const reportQuery = (extra: Record<string, string> = {}) =>
  `${REPORTS_API_PATH}?${new URLSearchParams({ from: DAY, to: DAY, tz: TZ, ...extra })}`;
/** "7:30" as the page shows hours and minutes; "0:06:00" with seconds. */
const hMm = (ms: number) => `${Math.floor(ms / HOUR)}:${String(Math.round((ms % HOUR) / MINUTE)).padStart(2, '0')}`;
const hMmSs = (ms: number) => `${hMm(ms)}:${String(Math.round((ms % MINUTE) / SECOND)).padStart(2, '0')}`;

describe(`the board and the report for a scripted day of five agents (${TZ}, ${DAY})`, () => {
  it(`shows every status change within ${BOARD_DEADLINE_MS} ms of the sandbox's webhook POST being answered`, async ({ annotate }) => {
    const { page } = board;
    // Records when each row's status or reason changes in the DOM, by the page's own clock (the same
    // machine's as this process's), so the wait below adds nothing to the measured time.
    await page.evaluate(() => {
      const log: Array<{ agent: string; state: string; t: number }> = [];
      (globalThis as unknown as { boardLog: typeof log }).boardLog = log;
      const last = new Map<string, string>();
      const scan = () => {
        const t = Date.now();
        for (const row of document.querySelectorAll<HTMLElement>('[data-testid="board-row"]')) {
          const agent = row.dataset.agent ?? '';
          const state = `${row.dataset.status}|${row.querySelector('[data-testid="reason"]')?.textContent ?? ''}`;
          if (last.get(agent) !== state) {
            last.set(agent, state);
            log.push({ agent, state, t });
          }
        }
      };
      new MutationObserver(scan).observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
      scan();
    });
    const latencies: number[] = [];
    let seen = 0;
    for (const step of daySteps((minute) => zonedTime(DAY, minute, TZ))) {
      await playStep(sandbox, step);
      if (!('status' in step)) continue;
      const answeredAt = Date.now();
      const { agent, status, reason } = step.status;
      const state = `${status}|${status === 'pause' ? reason || '(no reason)' : ''}`;
      // The next entry of the log must be this change (one change at a time, chats change no status).
      const shownAt = await page
        .waitForFunction(
          (want) => {
            const entry = (globalThis as unknown as { boardLog: Array<{ agent: string; state: string; t: number }> }).boardLog[want.seen];
            return entry && (entry.agent === want.agent && entry.state === want.state ? entry.t : `unexpected ${JSON.stringify(entry)}`);
          },
          { agent, state, seen },
          { timeout: 15_000 },
        )
        .then((h) => h.jsonValue());
      expect(shownAt, `${agent} ${state}`).toBeTypeOf('number');
      seen++;
      latencies.push((shownAt as number) - answeredAt);
    }
    expect(latencies).toHaveLength(DAY_STATUSES.length);
    await annotate(`${latencies.length} status changes shown, at most ${Math.max(...latencies)} ms after the webhook's answer`);
    for (const [i, ms] of latencies.entries())
      expect(ms, `change ${i}: ${JSON.stringify(DAY_STATUSES[i])}`).toBeLessThan(BOARD_DEADLINE_MS);

    // At the end of the day everyone is offline, with no chat left open.
    await expect.poll(() => page.getByTestId('count-offline').locator('.count__n').innerText()).toBe('5');
    expect(await page.getByTestId('board-row').count()).toBe(5);
    expect(await page.getByTestId('open-chats').allInnerTexts()).toEqual(['0', '0', '0', '0', '0']);
  });

  it('the relay answers the report for that day and zone with the hand-computed figures', async ({ annotate }) => {
    const started = performance.now();
    const res = await api(reportQuery(), leadToken);
    const elapsed = performance.now() - started;
    expect(res.status).toBe(200);
    const report = (await res.json()) as Report;
    await annotate(`report for ${DAY} (${TZ}) answered in ${elapsed.toFixed(0)} ms`);
    expect(report.retention.cut).toBe(false);
    expect(report.start).toBe(zonedTime(DAY, 0, TZ));
    expect([...report.agents].sort((a, b) => a.agent.localeCompare(b.agent))).toEqual(
      Object.entries(EXPECTED_AGENTS).map(([agent, e]) => ({
        agent,
        chatsHandled: e.chats,
        medianHandlingMs: e.median,
        p90HandlingMs: e.p90,
        onlineMs: e.online,
        pausedMs: paused(e.byReason),
        pausedByReason: e.byReason,
        firstActivity: zonedTime(DAY, e.first[0] * 60 + e.first[1], TZ),
        lastActivity: zonedTime(DAY, e.last[0] * 60 + e.last[1], TZ),
      })),
    );
    expect(Object.fromEntries(report.reasons.map((r) => [r.reason, { total: r.totalMs, byAgent: r.byAgent }]))).toEqual(EXPECTED_REASONS);
    expect(report.hours).toEqual(Array.from({ length: 24 }, (_, hour) => ({ hour, ...hourOf(hour) })));
  });

  it('the page shows the same figures in its report for that day and zone', async () => {
    const { page } = board;
    await page.getByTestId('nav-reports').click();
    await page.locator('#report-from').fill(DAY);
    await page.locator('#report-to').fill(DAY);
    await page.locator('#report-tz').fill(TZ);
    await page.getByTestId('show-report').click();
    await page.getByTestId('report-period').filter({ hasText: DAY }).filter({ hasText: TZ }).waitFor();

    const agents = page.getByTestId('report-agents');
    for (const [agent, e] of Object.entries(EXPECTED_AGENTS)) {
      const row = agents.locator(`tr[data-agent="${agent}"]`);
      const cell = (col: string) => row.locator(`[data-col="${col}"]`).innerText();
      expect(await cell('chats'), agent).toBe(String(e.chats));
      expect(await cell('median'), agent).toBe(e.median === null ? '—' : hMmSs(e.median));
      expect(await cell('p90'), agent).toBe(e.p90 === null ? '—' : hMmSs(e.p90));
      expect(await cell('online'), agent).toBe(hMm(e.online));
      expect(await cell('paused'), agent).toBe(hMm(paused(e.byReason)));
      for (const [reason, ms] of Object.entries(e.byReason)) {
        expect(await row.locator(`li[data-reason="${reason}"] .num`).innerText(), `${agent} ${reason}`).toBe(hMm(ms));
      }
      expect(await row.locator('li[data-reason]').count(), agent).toBe(Object.keys(e.byReason).length);
    }
    const reasons = page.getByTestId('report-reasons');
    for (const [reason, e] of Object.entries(EXPECTED_REASONS)) {
      expect(await reasons.locator(`tr[data-reason="${reason}"] [data-col="total"]`).innerText(), reason).toBe(hMm(e.total));
    }
    // A few hours, as the page rounds them (one decimal).
    const hours = page.getByTestId('report-hours');
    const hourRow = async (h: number) => [
      await hours.locator(`tr[data-hour="${h}"] [data-col="chats-started"]`).innerText(),
      await hours.locator(`tr[data-hour="${h}"] [data-col="agents-online"]`).innerText(),
    ];
    expect(await hourRow(7)).toEqual(['0', '0.0']);
    expect(await hourRow(9)).toEqual(['3', '3.5']);
    expect(await hourRow(10)).toEqual(['2', '4.8']); // 4.75
    expect(await hourRow(16)).toEqual(['0', '1.5']);
  });

  it('"Download CSV" downloads files that parse to the same figures', async () => {
    const { page } = board;
    const download = async (section: string) => {
      const [file] = await Promise.all([page.waitForEvent('download'), page.getByTestId(`csv-${section}`).click()]);
      const text = readFileSync(await file.path(), 'utf8');
      // None of this day's cells needs quoting: a plain split is the whole parse.
      expect(text).not.toContain('"');
      const [header, ...rows] = text
        .trimEnd()
        .split('\r\n')
        .map((line) => line.split(','));
      return { name: file.suggestedFilename(), rows: rows.map((r) => Object.fromEntries(header!.map((h, i) => [h, r[i]]))) };
    };
    const seconds = (ms: number | null) => (ms === null ? '' : String(ms / SECOND));

    const agents = await download('agents');
    expect(agents.name).toMatch(/\.csv$/);
    expect(Object.fromEntries(agents.rows.map((r) => [r.agent, r]))).toEqual(
      Object.fromEntries(
        Object.entries(EXPECTED_AGENTS).map(([agent, e]) => [
          agent,
          {
            agent,
            chats_handled: String(e.chats),
            median_handling_seconds: seconds(e.median),
            p90_handling_seconds: seconds(e.p90),
            online_seconds: seconds(e.online),
            paused_seconds: seconds(paused(e.byReason)),
            first_activity: expect.stringMatching(
              new RegExp(`^${DAY}T${String(e.first[0]).padStart(2, '0')}:${String(e.first[1]).padStart(2, '0')}:00[+-]`),
            ),
            last_activity: expect.stringMatching(
              new RegExp(`^${DAY}T${String(e.last[0]).padStart(2, '0')}:${String(e.last[1]).padStart(2, '0')}:00[+-]`),
            ),
          },
        ]),
      ),
    );

    const reasons = await download('reasons');
    const expectedReasons = Object.entries(EXPECTED_REASONS).flatMap(([reason, e]) => [
      { reason, agent: '', paused_seconds: seconds(e.total) },
      ...Object.entries(e.byAgent).map(([agent, ms]) => ({ reason, agent, paused_seconds: seconds(ms) })),
    ]);
    const byKey = (rows: Record<string, string | undefined>[]) =>
      [...rows].sort((a, b) => `${a.reason}/${a.agent}`.localeCompare(`${b.reason}/${b.agent}`));
    expect(byKey(reasons.rows)).toEqual(byKey(expectedReasons));

    const hours = await download('hours');
    expect(hours.rows).toEqual(
      Array.from({ length: 24 }, (_, hour) => ({
        hour: String(hour),
        chats_started: String(hourOf(hour).chatsStarted),
        agents_online: hourOf(hour).agentsOnline.toFixed(2),
      })),
    );
  });

  it("an agent's token pasted into the page is refused with the page's message, and the API answers it 403", async () => {
    const agentToken = issueRelayToken(E2E_RELAY_SECRET, TEAM[0]).token;
    for (const path of [BOARD_API_PATH, reportQuery()]) {
      const res = await api(path, agentToken);
      expect(res.status, path).toBe(403);
      expect(((await res.json()) as { error: string }).error, path).toMatch(/agent token/);
    }
    const other = await BoardPage.open(browser, relay.relay.url);
    try {
      await other.signIn(agentToken);
      await other.page.getByTestId('error').filter({ hasText: "This is an agent's token; ask IT for a supervisor token." }).waitFor();
      // Back at the sign-in form, its field marked; no board was shown.
      expect(await other.page.getByTestId('token').getAttribute('aria-invalid')).toBe('true');
      expect(await other.page.getByTestId('board').count()).toBe(0);
    } finally {
      await other.close();
    }
  });
});
