// The team lead's board (relay/board/, served by the relay at /board) in real Chromium, for the
// end-to-end test (tests/e2e/board.test.ts), `npm run screenshots` and the board benchmark
// (bench/board.ts): a plain Chromium (no extension), the page signed in with a supervisor token,
// and the scripted day of five agents that the sandbox plays through the relay.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { BOARD_PAGE_PATH } from '@switchboard/protocol/board';
import { issueSupervisorToken } from 'switchboard-relay/auth';
import { createSandbox, type Sandbox } from '../../sandbox/server';
import { CHROMIUM_HELP, findChromium } from '../chromium';
import { E2E_RELAY_SECRET, WEBHOOK_TOKEN } from '../relay-cli';
import { RelayUnderTest } from './relay-sandbox';

/** The built page the relay serves; a test says how to build it rather than failing on a 503. */
export function assertBoardBuilt(): void {
  // Where a relay running from source serves it from (relay/src/board/routes.ts, defaultBoardDir).
  if (!existsSync(join(resolve(import.meta.dirname, '../../relay/dist/board'), 'index.html'))) {
    throw new Error('The board page is not built (relay/dist/board): run `npm run build:board -w relay` first.');
  }
}

/** The system's Chromium, headless, in English (the tests read the English texts). */
export async function launchChromium(): Promise<Browser> {
  const executablePath = findChromium();
  if (!executablePath) throw new Error(CHROMIUM_HELP);
  return chromium.launch({
    executablePath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--lang=en-US',
    ],
  });
}

export class BoardPage {
  constructor(readonly page: Page) {}

  /** A new context (its own storage: no token from another page) with the board open. */
  static async open(
    browser: Browser,
    relayUrl: string,
    opts: { timezoneId?: string; viewport?: { width: number; height: number }; deviceScaleFactor?: number } = {},
  ): Promise<BoardPage> {
    const context: BrowserContext = await browser.newContext({ locale: 'en-US', acceptDownloads: true, ...opts });
    const page = await context.newPage();
    await page.goto(`${relayUrl}${BOARD_PAGE_PATH}`);
    await page.getByTestId('token').waitFor();
    return new BoardPage(page);
  }

  /** Pastes a token and signs in, as a team lead does. */
  async signIn(token: string): Promise<void> {
    await this.page.getByTestId('token').fill(token);
    await this.page.getByTestId('sign-in').click();
  }

  /** Until the live stream's first snapshot is on screen. */
  async waitLive(): Promise<void> {
    await this.page.locator('[data-testid="connection"][data-phase="live"]').waitFor();
    await this.page.getByTestId('board').waitFor();
  }

  async close(): Promise<void> {
    await this.page.context().close();
  }
}

/** A real relay (as the end-to-end tests start it) and the sandbox, whose directory holds TEAM, sending its webhooks to it. */
export async function startTeamRelay(): Promise<{ relay: RelayUnderTest; sandbox: Sandbox }> {
  const relay = new RelayUnderTest();
  await relay.start();
  const sandbox = await createSandbox({
    port: 0,
    agents: TEAM,
    webhook: {
      conversationUrl: `${relay.relay.url}/snapengage/conversation-events`,
      statusUrl: `${relay.relay.url}/snapengage/agent-status`,
      token: WEBHOOK_TOKEN,
    },
  });
  return { relay, sandbox };
}

/** A supervisor token for the relays RelayUnderTest starts. */
export const supervisorToken = (email = 'lead@example.com') => issueSupervisorToken(E2E_RELAY_SECRET, email).token;

// ---- the scripted day --------------------------------------------------------------------------

export const TEAM = ['alice@example.com', 'bob@example.com', 'carol@example.com', 'dave@example.com', 'erin@example.com'] as const;
type TeamAgent = (typeof TEAM)[number];
const [ALICE, BOB, CAROL, DAVE, ERIN] = TEAM;

/** Minutes after local midnight. */
const hm = (h: number, m = 0) => h * 60 + m;

export interface DayStatus {
  agent: TeamAgent;
  minute: number;
  status: 'online' | 'pause' | 'offline';
  /** With pause only; '' = a pause without a reason. */
  reason?: string;
}

interface DayChat {
  agent: TeamAgent;
  id: string;
  /** When it reached the agent (`assigned`); the sandbox dates the chat's creation 10 s before. */
  minute: number;
  /** Minutes until `closed`. */
  lasts: number;
  /** The close is delivered twice (a redelivery): it counts once. */
  duplicateClose?: boolean;
}

/** Each agent's status changes, in the order of the day (tests/e2e/board.test.ts computes the report from these by hand). */
export const DAY_STATUSES: readonly DayStatus[] = [
  { agent: ALICE, minute: hm(8), status: 'online' },
  { agent: CAROL, minute: hm(8, 30), status: 'online' },
  { agent: BOB, minute: hm(9), status: 'online' },
  { agent: ERIN, minute: hm(9, 30), status: 'online' },
  { agent: DAVE, minute: hm(10), status: 'online' },
  { agent: CAROL, minute: hm(10, 30), status: 'pause', reason: '' },
  { agent: CAROL, minute: hm(10, 45), status: 'online' },
  { agent: BOB, minute: hm(11), status: 'pause', reason: 'Meeting' },
  { agent: ERIN, minute: hm(11, 30), status: 'pause', reason: 'Meeting' },
  { agent: ALICE, minute: hm(12), status: 'pause', reason: 'Lunch' },
  { agent: BOB, minute: hm(12), status: 'online' },
  { agent: DAVE, minute: hm(12), status: 'pause', reason: 'Lunch' },
  { agent: ERIN, minute: hm(12, 15), status: 'online' },
  { agent: ALICE, minute: hm(12, 30), status: 'online' },
  { agent: BOB, minute: hm(13), status: 'pause', reason: 'Lunch' },
  { agent: DAVE, minute: hm(13), status: 'online' },
  { agent: BOB, minute: hm(13, 45), status: 'online' },
  { agent: CAROL, minute: hm(14), status: 'pause', reason: 'Training' },
  { agent: ERIN, minute: hm(14), status: 'offline' },
  { agent: CAROL, minute: hm(15), status: 'online' },
  { agent: DAVE, minute: hm(15), status: 'offline' },
  { agent: ALICE, minute: hm(16), status: 'offline' },
  { agent: CAROL, minute: hm(16, 30), status: 'offline' },
  { agent: BOB, minute: hm(17), status: 'offline' },
];

/** The day's chats, each while its agent is online. */
const DAY_CHATS: readonly DayChat[] = [
  { agent: ALICE, id: 'alice-1', minute: hm(8, 10), lasts: 4 },
  { agent: BOB, id: 'bob-1', minute: hm(9, 10), lasts: 2 },
  { agent: CAROL, id: 'carol-1', minute: hm(9, 10), lasts: 7 },
  { agent: ALICE, id: 'alice-2', minute: hm(9, 20), lasts: 6 },
  { agent: BOB, id: 'bob-2', minute: hm(10, 10), lasts: 8 },
  { agent: DAVE, id: 'dave-1', minute: hm(10, 20), lasts: 12, duplicateClose: true },
  { agent: CAROL, id: 'carol-2', minute: hm(11, 10), lasts: 9 },
  { agent: BOB, id: 'bob-3', minute: hm(12, 10), lasts: 5 },
  { agent: ALICE, id: 'alice-3', minute: hm(14, 10), lasts: 11 },
  { agent: BOB, id: 'bob-4', minute: hm(15, 10), lasts: 3 },
];

export type DayStep = { at: number; status: DayStatus } | { at: number; chat: DayChat; part: 'both' | 'assigned' };

/**
 * The day's steps in time order (a chat at its assignment), `at(minute)` giving each one's epoch ms
 * (e.g. zonedTime on a date); `until` (minutes after local midnight) stops there: what has happened
 * by then (a chat not closed by then is assigned only, open).
 */
export function daySteps(at: (minute: number) => number, until = 24 * 60): DayStep[] {
  const steps: Array<DayStep & { minute: number }> = [
    ...DAY_STATUSES.filter((s) => s.minute < until).map((status) => ({ minute: status.minute, at: at(status.minute), status })),
    ...DAY_CHATS.filter((c) => c.minute < until).map((chat) => ({
      minute: chat.minute,
      at: at(chat.minute),
      chat,
      part: chat.minute + chat.lasts < until ? ('both' as const) : ('assigned' as const),
    })),
  ];
  // Stable: at equal minutes a status change goes before a chat, as listed.
  return steps.sort((a, b) => a.minute - b.minute).map(({ minute: _, ...step }) => step);
}

/**
 * Plays one step through the sandbox (SnapEngage's webhooks to the relay). A chat goes as one batch,
 * its close delivered before its assignment (the relay must not care about order). Throws when a
 * webhook was not accepted. Returns when the relay has answered every POST.
 */
export async function playStep(sandbox: Sandbox, step: DayStep): Promise<void> {
  if ('status' in step) {
    const { agent, status, reason } = step.status;
    const { delivery } = await sandbox.changeStatusInHub(agent, status, status === 'pause' ? (reason ?? '') || null : null, step.at);
    if (!delivery?.ok) throw new Error(`status webhook for ${agent} not accepted: ${JSON.stringify(delivery)}`);
    return;
  }
  const { chat } = step;
  const closeAt = step.at + chat.lasts * 60_000;
  const items = [
    { kind: 'assigned' as const, agent: chat.agent, conversationId: chat.id, timestamp: step.at, visitorName: visitorOf(chat.id) },
    ...(step.part === 'both'
      ? [
          {
            kind: 'closed' as const,
            agent: chat.agent,
            conversationId: chat.id,
            timestamp: closeAt,
            ...(chat.duplicateClose && { duplicate: true }),
          },
        ]
      : []),
  ];
  const results = await sandbox.fireBatch(items, 'reverse');
  if (!results.every((r) => r.ok)) throw new Error(`chat ${chat.id} not accepted: ${JSON.stringify(results)}`);
}

const VISITORS = [
  'Priya Shah',
  'Tom Becker',
  'Lena Fischer',
  'Marco Rossi',
  'Kim Nguyen',
  'Sara Lind',
  'Jonas Weber',
  'Ana Costa',
  'Yuki Sato',
  'Omar Haddad',
];
const visitorOf = (id: string) => VISITORS[DAY_CHATS.findIndex((c) => c.id === id) % VISITORS.length] ?? 'Visitor';

// ---- local time in a zone (Intl only) ----------------------------------------------------------

const partsFormat = new Map<string, Intl.DateTimeFormat>();

/** The zone's offset from UTC at `t` (ms, whole seconds). */
function offsetAt(t: number, tz: string): number {
  let f = partsFormat.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    partsFormat.set(tz, f);
  }
  const p = Object.fromEntries(f.formatToParts(t).map((x) => [x.type, Number(x.value)]));
  const wall = Date.UTC(p.year ?? 0, (p.month ?? 1) - 1, p.day, p.hour, p.minute, p.second);
  return wall - (t - (((t % 1000) + 1000) % 1000));
}

/** Epoch ms of `minute` minutes after local midnight of `date` (YYYY-MM-DD) in `tz` (wall-clock time; not for the hour a DST change skips or repeats). */
export function zonedTime(date: string, minute: number, tz: string): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const wall = Date.UTC(y, m - 1, d, 0, minute);
  const first = wall - offsetAt(wall, tz);
  return wall - offsetAt(first, tz);
}

/** The local date (YYYY-MM-DD) in `tz` at `t`. */
function localDate(t: number, tz: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' }).format(t);
}

/** A local date `daysBack` days before today in `tz` whose day has 24 hours (not a DST change), going further back if needed. */
export function plainDayBack(daysBack: number, tz: string, now = Date.now()): string {
  for (let back = daysBack; ; back++) {
    const date = localDate(now - back * 86_400_000, tz);
    const next = localDate(zonedTime(date, 24 * 60 + 60, tz), tz);
    if (zonedTime(next, 0, tz) - zonedTime(date, 0, tz) === 86_400_000) return date;
  }
}
