// The team report's timing (issue 18): 30 days × 200 agents × 100 events a day = 600,000 events,
// written once into a SQLite file through the relay's own SqliteEventStore and cached in the OS temp
// dir (keyed by GENERATOR_VERSION and the size), then the report end to end, RUNS times: the rows
// read from the file into a ReportTally, then its figures. (bench/report.ts is the tables' renderer,
// not this.) The rows are read by the relay's own SQLite ReportSource (sqlite-report-source.ts: feed),
// as GET /api/reports reads them.
import { existsSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { periodOf, ReportTally } from 'switchboard-relay/board/report';
import { SqliteEventStore } from 'switchboard-relay/sqlite-store';
import { median } from './common';

/** Bump when the generated events change: the cached file's name carries it. */
const GENERATOR_VERSION = 'v3'; // v2: written with the r_* report columns; v3: in order of time, agents interleaved

const TZ = 'Europe/Berlin';
/** March 2026: the period crosses Berlin's spring-forward day (the 29th). */
const FIRST_DAY = '2026-03-01';
const RETENTION_DAYS = 90;
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const REASONS = ['Lunch', 'Break', 'Meeting', 'Training', ''];
/** Per agent and day: online, 4 pauses each followed by online, offline (10) + 30 chats × assigned/responded/closed (90). */
const CHATS_PER_DAY = 30;
const EVENTS_PER_AGENT_DAY = 100;
/** Timed runs; the goal takes their median (one slow run on a shared machine does not decide it). */
const RUNS = 5;

export interface TeamReportResults {
  days: number;
  agents: number;
  events: number;
  /** What read the rows. */
  source: string;
  /** Seconds spent generating the file; absent when a cached one was used. */
  generatedS?: number;
  rows: number;
  /** End to end per run (rows read into the tally + its figures), ms. */
  runsMs: number[];
  medianMs: number;
  readMs: number;
  computeMs: number;
}

/** A small deterministic PRNG (mulberry32): the same file every time for a version and size. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d_2b_79_f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const agentEmail = (i: number) => `agent${String(i).padStart(3, '0')}@report.bench`;

interface Generated {
  id: string;
  agent: string;
  kind: string;
  at: string;
  data: Record<string, unknown>;
}

/** One agent's day: a shift of about 8 h starting between 07:00 and 11:00, pauses and chats in it. */
function agentDay(agent: number, day: number, dayStart: number, rnd: () => number): Generated[] {
  const email = agentEmail(agent);
  const alias = `Agent ${agent}`;
  const out: Generated[] = [];
  const status = (at: number, value: string, substatus?: string) =>
    out.push({
      id: `s-${day}-${out.length}`,
      agent: email,
      kind: 'agent_status',
      at: new Date(at).toISOString(),
      data: { agentId: email, status: value, ...(substatus === undefined ? {} : { substatus }) },
    });
  const shift = dayStart + 7 * HOUR + Math.floor(rnd() * 4 * HOUR);
  status(shift, 'online');
  for (let p = 1; p <= 4; p++) {
    const at = shift + p * 96 * MIN + Math.floor(rnd() * 10 * MIN);
    status(at, 'pause', REASONS[Math.floor(rnd() * REASONS.length)]);
    status(at + 5 * MIN + Math.floor(rnd() * 25 * MIN), 'online');
  }
  status(shift + 8 * HOUR, 'offline');
  for (let c = 0; c < CHATS_PER_DAY; c++) {
    const conversationId = `${agent}-${day}-${c}-${Math.floor(rnd() * 1e9).toString(36)}`;
    const createdAt = shift + c * 16 * MIN + Math.floor(rnd() * 5 * MIN);
    const assigned = createdAt + Math.floor(rnd() * 60_000);
    const closedAt = assigned + 2 * MIN + Math.floor(rnd() * 12 * MIN);
    const data = {
      conversationId,
      url: `https://www.snapengage.com/viewcase?c=${conversationId}`,
      widgetId: 'b0d6f4c2-bench-widget',
      requesterName: 'Visitor',
      description: 'A question about an order',
      agentId: email,
      agentAlias: alias,
      createdAt,
    };
    const chat = (kind: string, at: number, extra: Record<string, unknown> = {}) =>
      out.push({ id: `${kind}-${conversationId}`, agent: email, kind, at: new Date(at).toISOString(), data: { ...data, ...extra } });
    chat('assigned', assigned);
    chat('responded', assigned + 10_000 + Math.floor(rnd() * 50_000));
    chat('closed', closedAt, { closedAt });
  }
  return out;
}

/** The cached database with days × agents × 100 events, generated (through SqliteEventStore) when missing. */
async function database(
  days: number,
  agents: number,
  start: number,
  log: (line: string) => void,
): Promise<{ path: string; generatedS?: number }> {
  const path = join(tmpdir(), `switchboard-team-report-${GENERATOR_VERSION}-${days}d-${agents}a.db`);
  if (existsSync(path)) return { path };
  const began = performance.now();
  const partial = `${path}.partial`;
  for (const f of [partial, `${partial}-wal`, `${partial}-shm`]) rmSync(f, { force: true });
  const store = new SqliteEventStore(partial);
  const rnd = random(18);
  let batch: Generated[] = [];
  for (let day = 0; day < days; day++) {
    const today: Generated[] = [];
    for (let agent = 0; agent < agents; agent++) today.push(...agentDay(agent, day, start + day * DAY, rnd));
    // Stored as a relay would store them, every agent's events interleaved in order of time: an
    // agent's rows are spread over the file, not side by side. (Each day's events fall within it.)
    today.sort((x, y) => (x.at < y.at ? -1 : x.at > y.at ? 1 : 0));
    batch.push(...today);
    // Large appends: one transaction and one fsync each.
    if (batch.length >= 50_000 || day === days - 1) {
      await store.append(batch);
      batch = [];
    }
  }
  await store.close();
  // One self-contained file: no WAL left beside it when it is renamed into place.
  const db = new DatabaseSync(partial);
  db.exec('PRAGMA journal_mode = DELETE');
  db.close();
  renameSync(partial, path);
  const generatedS = Math.round((performance.now() - began) / 100) / 10;
  log(`  generated ${days * agents * EVENTS_PER_AGENT_DAY} events in ${generatedS} s: ${path}`);
  return { path, generatedS };
}

function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY).toISOString().slice(0, 10);
}

export async function runTeamReportBench(opts: { quick: boolean; log: (line: string) => void }): Promise<TeamReportResults> {
  const [days, agents] = opts.quick ? [2, 20] : [30, 200];
  const query = { from: FIRST_DAY, to: addDays(FIRST_DAY, days - 1), tz: TZ };
  const { start, end } = periodOf(query);
  const { path, generatedS } = await database(days, agents, start, opts.log);
  // As the relay would ask right after the period: everything in it is past.
  const now = end + HOUR;
  const runs: Array<{ total: number; read: number; compute: number }> = [];
  const store = new SqliteEventStore(path);
  let rows: number;
  try {
    // How many rows the report reads (not timed: the timed runs keep none).
    rows = (await store.reportSource.rows({ start, end })).length;
    for (let run = 0; run < RUNS; run++) {
      const t0 = performance.now();
      const tally = new ReportTally(query);
      await store.reportSource.feed({ start, end }, tally);
      const t1 = performance.now();
      const report = tally.report({ now, retentionDays: RETENTION_DAYS });
      const t2 = performance.now();
      if (report.agents.length !== agents) throw new Error(`the report has ${report.agents.length} agents, not ${agents}`);
      runs.push({ total: t2 - t0, read: t1 - t0, compute: t2 - t1 });
      opts.log(
        `  run ${run + 1}: ${Math.round(t2 - t0)} ms (rows read and tallied ${Math.round(t1 - t0)} ms, figures ${Math.round(t2 - t1)} ms)`,
      );
    }
  } finally {
    await store.close();
  }
  const round = (ms: number) => Math.round(ms * 10) / 10;
  return {
    days,
    agents,
    events: days * agents * EVENTS_PER_AGENT_DAY,
    source: 'SqliteEventStore.reportSource',
    ...(generatedS === undefined ? {} : { generatedS }),
    rows,
    runsMs: runs.map((r) => round(r.total)),
    medianMs: round(median(runs.map((r) => r.total))),
    readMs: round(median(runs.map((r) => r.read))),
    computeMs: round(median(runs.map((r) => r.compute))),
  };
}
