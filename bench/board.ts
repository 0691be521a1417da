// The live board with many agents (issue 18): a real relay (in this process, a SQLite file) seeded
// with one status event per agent through its webhook, the board page (relay/dist/board) open in the
// system's Chromium with a supervisor token, then status webhooks one at a time, each waited for on
// the page before the next. The page measures every applied update itself (relay/board/live.ts:
// `board-update`, from the stream chunk's arrival to the commit of the render that applied it);
// this reads performance.getEntriesByName('board-update') and reports p50/p95/max.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { issueSupervisorToken } from 'switchboard-relay/auth';
import { createRelay } from 'switchboard-relay/relay';
import { agentStatusEvent } from '../sandbox/payloads';
import { deliverWebhook } from '../sandbox/webhook-sender';
import { assertBoardBuilt, BoardPage, launchChromium } from '../scripts/browser/board';
import { findChromium } from '../scripts/chromium';
import { median, percentile, ROOT } from './common';

const SECRET = 'bench-board-secret-0123456789abcdef0123456789';
const WEBHOOK_TOKEN = 'bench-board-webhook-0123456789abcdef';
const REASONS = ['Lunch', 'Break', 'Meeting', 'Training'];
/** Webhooks in flight at once while seeding. */
const SEED_CONCURRENCY = 16;

export interface BoardBenchResults {
  agents: number;
  updates: number;
  /** Per applied update, ms (the page's `board-update` measures). */
  updateMs: { p50: number; p95: number; max: number; median: number };
  /** Seeding the relay with one status per agent, then the page's first snapshot on screen, s. */
  seedS: number;
  snapshotMs: number;
  /** Why nothing was measured (no Chromium). */
  skipped?: string;
}

const round2 = (ms: number) => Math.round(ms * 100) / 100;

export async function runBoardBench({ quick, log }: { quick: boolean; log: (line: string) => void }): Promise<BoardBenchResults> {
  const agents = quick ? 50 : 500;
  const updates = quick ? 30 : 250;
  if (!findChromium()) {
    return { agents, updates: 0, updateMs: { p50: 0, p95: 0, max: 0, median: 0 }, seedS: 0, snapshotMs: 0, skipped: 'no Chromium found' };
  }
  try {
    assertBoardBuilt();
  } catch {
    // As the extension's benchmark builds the extension: a fresh clone runs `npm run bench` as it is.
    log('  building the board page (npm run build:board -w relay)…');
    const built = spawnSync('npm', ['run', 'build:board', '-w', 'relay'], { cwd: ROOT, stdio: 'ignore' });
    if (built.status !== 0) throw new Error('npm run build:board -w relay failed');
    assertBoardBuilt();
  }
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-bench-board-'));
  const relay = await createRelay({
    port: 0,
    host: '127.0.0.1',
    dbPath: join(dir, 'relay.db'),
    secret: SECRET,
    webhookToken: WEBHOOK_TOKEN,
    logLevel: 'silent',
  });
  const statusUrl = `${relay.url}/snapengage/agent-status`;
  const email = (i: number) => `agent${String(i).padStart(3, '0')}@board.bench`;
  let at = Date.now() - agents * 1000 - updates * 1000;
  const post = async (i: number) => {
    const status = i % 3 === 0 ? 'pause' : 'online';
    const body = agentStatusEvent({
      agentId: email(i),
      status,
      substatus: status === 'pause' ? REASONS[i % REASONS.length] : null,
      timestamp: at++,
    });
    const res = await deliverWebhook(statusUrl, body, { token: WEBHOOK_TOKEN, maxAttempts: 1 });
    if (!res.ok) throw new Error(`status webhook for ${email(i)} not accepted: ${JSON.stringify(res)}`);
  };
  const browser = await launchChromium();
  try {
    const seeded = performance.now();
    for (let next = 0; next < agents; ) {
      const batch = Array.from({ length: Math.min(SEED_CONCURRENCY, agents - next) }, (_, k) => next + k);
      await Promise.all(batch.map(post));
      next += batch.length;
    }
    const seedS = Math.round((performance.now() - seeded) / 100) / 10;
    const board = await BoardPage.open(browser, relay.url, { viewport: { width: 1280, height: 800 } });
    const opened = performance.now();
    await board.signIn(issueSupervisorToken(SECRET, 'lead@board.bench').token);
    await board.waitLive();
    await board.page
      .getByTestId('count-all')
      .filter({ hasText: String(agents) })
      .waitFor();
    const snapshotMs = Math.round(performance.now() - opened);
    log(`  ${agents} agents seeded in ${seedS} s, board on screen ${snapshotMs} ms after sign-in`);

    const applied = () => board.page.evaluate(() => performance.getEntriesByName('board-update').length);
    const before = await applied();
    for (let u = 0; u < updates; u++) {
      // Every agent in turn: each update is a real change of that agent's row (status or reason).
      const i = (u * 7) % agents;
      const pause = (u + i) % 2 === 0;
      const body = agentStatusEvent({
        agentId: email(i),
        status: pause ? 'pause' : 'online',
        substatus: pause ? REASONS[(u + 1) % REASONS.length] : null,
        timestamp: at++,
      });
      const res = await deliverWebhook(statusUrl, body, { token: WEBHOOK_TOKEN, maxAttempts: 1 });
      if (!res.ok) throw new Error(`status webhook ${u} not accepted: ${JSON.stringify(res)}`);
      // One update on the page at a time: each is measured alone, not shared with the next one's render.
      await board.page.waitForFunction((n) => performance.getEntriesByName('board-update').length >= n, before + u + 1, {
        timeout: 15_000,
      });
    }
    const durations = await board.page.evaluate(
      (skip) =>
        performance
          .getEntriesByName('board-update')
          .slice(skip)
          .map((e) => e.duration),
      before,
    );
    if (durations.length !== updates) throw new Error(`expected ${updates} board-update measures, got ${durations.length}`);
    const sorted = [...durations].sort((a, b) => a - b);
    const updateMs = {
      p50: round2(percentile(sorted, 50)),
      p95: round2(percentile(sorted, 95)),
      max: round2(sorted.at(-1) ?? Number.NaN),
      median: median(durations),
    };
    log(`  ${updates} updates: board-update p50 ${updateMs.p50} ms, p95 ${updateMs.p95} ms, max ${updateMs.max} ms`);
    await board.close();
    return { agents, updates, updateMs, seedS, snapshotMs };
  } finally {
    await browser.close();
    await relay.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
