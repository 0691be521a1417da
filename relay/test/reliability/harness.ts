// Shared pieces of the fault tests: relays as real child processes (`relay/src/cli.ts serve`) that a
// supervisor can kill -9 and restart, a load generator that behaves like SnapEngage (retries
// until 2xx), and resuming websocket clients that check order and count duplicates.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import WebSocket from 'ws';
import { issueRelayToken } from '../../src/auth';
import { freePort } from '../redis-server';

export const SECRET = 'reliability-secret-0123456789abcdef0123456789';
export const WEBHOOK_TOKEN = 'reliability-webhook-token-0123456789abcdef';
/** The relay package's folder, where its CLI runs (`npm run relay` from the repository root runs the same file). */
export const RELAY_DIR = resolve(import.meta.dirname, '../..');
export const RELAY_CLI = ['--import', 'tsx', 'src/cli.ts'];
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Every log line any relay child wrote (the secrets test greps them). */
export const ALL_LOG_LINES: string[] = [];

export class RelayProcess {
  child?: ChildProcess;
  port = 0;
  starts = 0;
  kills = 0;
  constructor(
    readonly env: Record<string, string> = {},
    readonly dir = mkdtempSync(join(tmpdir(), 'switchboard-reliability-')),
    /** Node options before the CLI (the fuzz test's memory probe). */
    readonly nodeArgs: string[] = [],
    /** What runs `serve --port N`: the CLI, or a test's own entry (phone-timing-relay.ts). */
    readonly entry: string[] = RELAY_CLI,
  ) {}

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }
  get wsUrl() {
    return `ws://127.0.0.1:${this.port}/ws`;
  }
  get pid() {
    return this.child?.pid;
  }

  async start(): Promise<void> {
    if (!this.port) this.port = await freePort();
    const child = spawn(process.execPath, [...this.nodeArgs, ...this.entry, 'serve', '--port', String(this.port)], {
      cwd: RELAY_DIR,
      env: {
        PATH: process.env.PATH!,
        RELAY_SECRET: SECRET,
        SNAPENGAGE_WEBHOOK_TOKEN: WEBHOOK_TOKEN,
        RELAY_DB: join(this.dir, 'relay.db'),
        RELAY_LOG_LEVEL: 'info',
        ...this.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d;
      const lines = out.split('\n');
      out = lines.pop()!;
      ALL_LOG_LINES.push(...lines);
    });
    let err = '';
    await new Promise<void>((listening, reject) => {
      child.stderr!.on('data', (d: Buffer) => {
        err += d;
        if (err.includes('listening on')) listening();
      });
      child.once('exit', (code, sig) => reject(new Error(`relay exited (${code ?? sig}) before listening: ${err.slice(-800)}`)));
    });
    child.stderr!.on('data', (d: Buffer) => ALL_LOG_LINES.push(...String(d).split('\n').filter(Boolean)));
    this.starts++;
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const c = this.child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise<void>((r) => c.once('exit', () => r()));
    c.kill(signal);
    await exited;
    if (signal === 'SIGKILL') this.kills++;
  }

  /**
   * V8's heap after a full collection, from the memory probe (memory-probe.ts, which the relay must have
   * been started with): sends SIGUSR2 and waits for the probe's answer.
   */
  async heapAfterGc(): Promise<{ heapUsed: number; external: number }> {
    const file = this.env.MEMORY_PROBE_FILE!;
    rmSync(file, { force: true });
    this.child!.kill('SIGUSR2');
    while (true) {
      try {
        return JSON.parse(readFileSync(file, 'utf8'));
      } catch {
        await sleep(20);
      }
    }
  }

  rssBytes(): number {
    const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) * 1024;
  }

  async dispose(): Promise<void> {
    await this.kill('SIGTERM').catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export function conversationEvent(agent: string, eventId: string, n: number): Record<string, unknown> {
  return {
    event: 'conversation_assigned',
    eventId,
    timestamp: 1_764_000_000_000 + n,
    widgetId: 'w-1',
    conversation: { id: `conv-${eventId}`, requesterName: 'Sam', description: 'Where is my order?' },
    agent: { id: agent, alias: agent.split('@')[0] },
  };
}

export interface LoadResult {
  /** Event ids answered 2xx, per agent, in the order the 2xx arrived. */
  accepted: Map<string, string[]>;
  attempts: number;
  non2xx: number;
  networkErrors: number;
}

/**
 * POSTs `total` events spread over `agents`, like SnapEngage: anything but a 2xx is retried (after
 * a short pause) until accepted. One agent's events are sent one after another (so acceptance
 * order = intended order); agents run concurrently. `targets()` picks the relay per attempt.
 */
export async function generateLoad(opts: {
  agents: string[];
  perAgent: number;
  targets: () => string[];
  concurrency?: number;
  onAccepted?: (agent: string, id: string, status: number) => void;
  deadlineMs?: number;
  /**
   * Events from number `from` on (counted as they are started) wait for `until`: a fault
   * triggered by progress then lands while load is still to come, however fast the machine.
   */
  hold?: { from: number; until: Promise<unknown> };
}): Promise<LoadResult> {
  const accepted = new Map<string, string[]>(opts.agents.map((a) => [a, []]));
  let attempts = 0;
  let non2xx = 0;
  let networkErrors = 0;
  const deadline = Date.now() + (opts.deadlineMs ?? 120_000);
  let turn = 0;
  const one = async (agent: string, i: number) => {
    const id = `ev-${agent.split('@')[0]}-${i}`;
    const body = JSON.stringify(conversationEvent(agent, id, i));
    while (true) {
      if (Date.now() > deadline) throw new Error(`load generator gave up on ${id}`);
      const targets = opts.targets();
      const url = targets[turn++ % targets.length]!;
      attempts++;
      try {
        const res = await fetch(`${url}/snapengage/conversation-events`, {
          method: 'POST',
          headers: { authorization: WEBHOOK_TOKEN, 'content-type': 'application/json' },
          body,
          signal: AbortSignal.timeout(5000),
        });
        await res.arrayBuffer();
        if (res.status >= 200 && res.status < 300) {
          accepted.get(agent)!.push(id);
          opts.onAccepted?.(agent, id, res.status);
          return;
        }
        non2xx++;
      } catch {
        networkErrors++;
      }
      await sleep(50 + Math.random() * 100);
    }
  };
  const queue = opts.agents.map((a) => ({ agent: a, next: 0 }));
  let started = 0;
  const worker = async () => {
    while (true) {
      const q = queue.filter((x) => x.next < opts.perAgent && !(x as { busy?: boolean }).busy);
      if (q.length === 0) {
        if (queue.every((x) => x.next >= opts.perAgent)) return;
        await sleep(5);
        continue;
      }
      const pick = q[Math.floor(Math.random() * q.length)]! as { agent: string; next: number; busy?: boolean };
      pick.busy = true;
      if (opts.hold && ++started > opts.hold.from) await opts.hold.until;
      await one(pick.agent, pick.next);
      pick.next++;
      pick.busy = false;
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency ?? 16 }, worker));
  return { accepted, attempts, non2xx, networkErrors };
}

/** A websocket client that reconnects (to whichever relay `urls()` offers) and resumes from its last seq. */
export class ResumingClient {
  /** Event ids shown, in order (deduped by id, like the extension). */
  shown: string[] = [];
  private readonly seen = new Set<string>();
  duplicatesReceived = 0;
  duplicatesShown = 0;
  outOfOrder = 0;
  connects = 0;
  lastSeq = 0;
  generation?: string;
  closeCodes: number[] = [];
  private ws?: WebSocket;
  private stopped = false;
  readonly token: string;

  constructor(
    readonly agent: string,
    private readonly urls: () => string[],
  ) {
    this.token = issueRelayToken(SECRET, agent).token;
    ISSUED_TOKENS.push(this.token);
  }

  start(): void {
    void this.loop();
  }

  private async loop(): Promise<void> {
    let i = Math.floor(Math.random() * 10);
    while (!this.stopped) {
      const list = this.urls();
      const url = list[i++ % list.length]!;
      await new Promise<void>((closed) => {
        const ws = new WebSocket(url);
        this.ws = ws;
        ws.on('open', () => {
          this.connects++;
          ws.send(
            JSON.stringify({
              type: 'hello',
              token: this.token,
              after: this.lastSeq,
              ...(this.generation ? { generation: this.generation } : {}),
            }),
          );
        });
        ws.on('message', (data) => this.onFrame(JSON.parse(String(data))));
        ws.on('error', () => undefined);
        ws.on('close', (code) => {
          this.closeCodes.push(code);
          closed();
        });
      });
      if (!this.stopped) await sleep(100 + Math.random() * 200);
    }
  }

  private onFrame(f: { type: string; seq?: number; id?: string; generation?: string; resumed?: boolean }): void {
    if (f.type === 'welcome') {
      if (this.generation && f.generation !== this.generation) throw new Error('generation changed');
      this.generation = f.generation;
      return;
    }
    if (f.type !== 'event') return;
    if (f.seq! <= this.lastSeq) this.outOfOrder++;
    else this.lastSeq = f.seq!;
    if (this.seen.has(f.id!)) {
      this.duplicatesReceived++;
      return;
    }
    this.seen.add(f.id!);
    this.shown.push(f.id!);
  }

  stop(): void {
    this.stopped = true;
    this.ws?.terminate();
  }
}

export interface Tally {
  accepted: number;
  delivered: number;
  lost: number;
  duplicatesShown: number;
  outOfOrder: number;
}

/** Compares what was accepted (2xx) with what each client showed. */
export function tally(load: LoadResult, clients: ResumingClient[]): Tally {
  let accepted = 0;
  let delivered = 0;
  let lost = 0;
  let outOfOrder = 0;
  let duplicatesShown = 0;
  for (const c of clients) {
    const ids = load.accepted.get(c.agent) ?? [];
    accepted += ids.length;
    const shown = new Set(c.shown);
    delivered += ids.filter((id) => shown.has(id)).length;
    lost += ids.filter((id) => !shown.has(id)).length;
    // Order: the events shown must follow the order they were accepted in.
    const pos = new Map(ids.map((id, i) => [id, i]));
    let last = -1;
    for (const id of c.shown) {
      const p = pos.get(id) ?? -1;
      if (p < last) outOfOrder++;
      last = p;
    }
    outOfOrder += c.outOfOrder;
    duplicatesShown += c.shown.length - new Set(c.shown).size;
  }
  return { accepted, delivered, lost, duplicatesShown, outOfOrder };
}

/** Counts accepted events (pass `onAccepted` to generateLoad) so faults can be triggered by progress, not by the clock. */
export class Progress {
  accepted = 0;
  private waiters: Array<{ n: number; resolve: () => void }> = [];
  readonly onAccepted = (): void => {
    this.accepted++;
    this.waiters = this.waiters.filter((w) => {
      if (this.accepted < w.n) return true;
      w.resolve();
      return false;
    });
  };
  /** Resolves once `n` events have been accepted. */
  reached(n: number): Promise<void> {
    if (this.accepted >= n) return Promise.resolve();
    return new Promise((done) => {
      this.waiters.push({ n, resolve: done });
    });
  }
}

export async function waitUntil(pred: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await pred())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

export function report(title: string, figures: Record<string, number | string>): void {
  const line = `[reliability] ${title}: ${Object.entries(figures)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ')}`;
  console.log(line);
  FIGURES.push(line);
}
const FIGURES: string[] = [];

/** Fails if any relay log line (stdout JSON logs and stderr) contains one of the secrets. */
export function secretsInLogs(extra: string[] = []): string[] {
  const secrets = [SECRET, WEBHOOK_TOKEN, ...ISSUED_TOKENS, ...ISSUED_TOKENS.map((t) => t.split('.')[2]!), ...extra];
  return ALL_LOG_LINES.filter((line) => secrets.some((s) => s && line.includes(s)));
}
/** Tokens handed out in this file (ResumingClient records its own). */
export const ISSUED_TOKENS: string[] = [];
