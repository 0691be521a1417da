// The live board (GET /api/board, /api/board/stream): every agent's status in force, open chats, last
// activity and whether their extension is connected here. Built at start from the store's rows over
// the retention window (the ReportSource, as reports read them), then kept up to date from every event
// this process forwards (the hub hands each one over: from the SQLite store's appends, or from Redis's
// fan-out, which every relay process receives) and from the hub's sockets coming and going.
//
// Every figure is a maximum by (at, seq), so the order events arrive in does not matter: a late event
// changes nothing it should not, a duplicate nothing at all, and the rows at start and the events
// arriving meanwhile merge in any order. docs/board.md defines the figures.
import type { BoardAgent, BoardSnapshot, BoardStatus } from '@switchboard/protocol/board';
import { AGENT_STATUS_KIND } from '@switchboard/protocol/event-kinds';
import { isAgentStatus } from '@switchboard/protocol/status';
import type { Logger } from '../logger';
import { PSEUDO_AGENT, type StoredEvent } from '../store';
import { ASSIGNMENT_LOOKBACK_MS, type ReportRow, type ReportSource } from './report-rows';
import { rowOfData } from './stored-rows';

const DAY_MS = 86_400_000;
/** Agents listed at most: a flood of made-up addresses must not grow the relay's memory without bound. */
const BOARD_MAX_AGENTS = 5000;

/** When a row happened, and its seq for rows of the same millisecond: the later one is in force. */
interface Mark {
  at: number;
  seq: number;
}
const isLater = (a: Mark, than: Mark | undefined) => !than || a.at > than.at || (a.at === than.at && a.seq > than.seq);

/** A conversation as one agent saw it: the latest row that gave it to them, the latest that took it away. */
interface Chat {
  in?: Mark;
  out?: Mark;
}

interface AgentState {
  status?: Mark & { status: BoardStatus; substatus?: string };
  name?: Mark & { alias: string };
  lastActivity?: number;
  chats: Map<string, Chat>;
}

const isOpen = (c: Chat) => c.in !== undefined && isLater(c.in, c.out);

/** What a row does to the agent's chats: gives one (`in`), takes one away (`out`), or neither. */
function chatEffect(row: ReportRow): 'in' | 'out' | undefined {
  if (row.kind === 'assigned') return 'in';
  if (row.kind === 'closed') return 'out';
  if (row.kind !== 'transferred') return undefined;
  // Stored for both agents: for the one it came from (and not to), it went away.
  return row.transferFrom === row.agent && row.transferTo !== row.agent ? 'out' : 'in';
}

interface BoardStateOptions {
  /** The store's rows; absent (a store made for a test), the board starts empty. */
  source?: Pick<ReportSource, 'rows'>;
  retentionDays: number;
  logger: Logger;
  maxAgents?: number;
  now?: () => number;
}

type BoardListener = (agent: BoardAgent, json: string) => void;

export class BoardState {
  private readonly agents = new Map<string, AgentState>();
  /** Agents with a socket to this process (listed or not: an agent is listed once they have events). */
  private readonly connected = new Set<string>();
  private readonly listeners = new Set<BoardListener>();
  /** The JSON last sent to listeners per agent, so an event that changes nothing sends nothing. */
  private readonly sent = new Map<string, string>();
  private readonly now: () => number;
  private readonly maxAgents: number;
  private capLogged = false;
  private closed = false;
  private loading: Promise<void> = Promise.resolve();

  constructor(private readonly o: BoardStateOptions) {
    this.now = o.now ?? Date.now;
    this.maxAgents = o.maxAgents ?? BOARD_MAX_AGENTS;
  }

  /** Resolves once the rows read at start (or at the last reload) are in. */
  get ready(): Promise<void> {
    return this.loading;
  }

  get retentionDays(): number {
    return this.o.retentionDays;
  }

  /**
   * Reads the store's rows over the retention window and merges them in (at start, and after a break
   * in Redis's fan-out, when events may have been missed). Never rejects: a failure is logged and the
   * board goes on with what it has and what arrives.
   */
  load(): Promise<void> {
    const source = this.o.source;
    if (!source) return this.loading;
    const run = this.loading.then(async () => {
      const started = performance.now();
      const now = this.now();
      try {
        const rows = await source.rows({ start: now - this.o.retentionDays * DAY_MS, end: Number.MAX_SAFE_INTEGER });
        // Rows come agent by agent: each agent's old chats go as soon as its rows are in, so the map
        // never holds a month of conversations at once.
        let current: string | undefined;
        for (const row of rows) {
          if (row.agent !== current) {
            if (current !== undefined) this.pruneAgent(current, now);
            current = row.agent;
          }
          this.apply(row, false);
        }
        if (current !== undefined) this.pruneAgent(current, now);
        for (const agent of this.agents.keys()) this.changed(agent);
        this.o.logger.info(
          { agents: this.agents.size, rows: rows.length, ms: Math.round(performance.now() - started) },
          'board loaded from the store',
        );
      } catch (err) {
        // Closing cuts a read short: nothing went wrong.
        if (!this.closed)
          this.o.logger.error({ err: (err as Error).message }, 'board: reading the store failed; it shows what arrives from now on');
      }
    });
    this.loading = run;
    return run;
  }

  /** The relay is closing: a read cut short by the store closing is not an error. */
  close(): void {
    this.closed = true;
  }

  /** Every event this process forwards (SocketHub's observer). Never throws: the event is stored whatever happens here. */
  event(e: StoredEvent): void {
    if (e.agent === PSEUDO_AGENT) return;
    try {
      const row = rowOfData(e.seq, e.agent, e.kind, e.at, e.data);
      if (row && this.apply(row, true)) this.changed(row.agent);
    } catch (err) {
      this.o.logger.error({ err: (err as Error).message }, 'board: an event could not be applied');
    }
  }

  /** The hub's first socket of an agent opened (true) or its last one closed (false). */
  presence(agent: string, connected: boolean): void {
    if (connected) this.connected.add(agent);
    else this.connected.delete(agent);
    if (this.agents.has(agent)) this.changed(agent);
  }

  snapshot(): BoardSnapshot {
    const agents = [...this.agents.keys()].sort().map((a) => this.row(a));
    return { now: this.now(), agents, retentionDays: this.o.retentionDays };
  }

  /** `listener` gets each agent's row when it changes; returns the unsubscribe. */
  subscribe(listener: BoardListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
      // Nobody to compare with: the next subscriber starts from a snapshot.
      if (this.listeners.size === 0) this.sent.clear();
    };
  }

  /**
   * Hourly, with the store's prune: agents with no event within retention go (a restart would not
   * list them), and so do chats closed over a day ago and chats older than retention.
   */
  prune(): void {
    const now = this.now();
    const keptSince = now - this.o.retentionDays * DAY_MS;
    for (const [agent, s] of this.agents) {
      if ((s.lastActivity ?? Number.NEGATIVE_INFINITY) < keptSince) {
        this.agents.delete(agent);
        this.sent.delete(agent);
      } else this.pruneAgent(agent, now);
    }
  }

  private pruneAgent(agent: string, now: number): void {
    const s = this.agents.get(agent);
    if (!s) return;
    const closedBefore = now - ASSIGNMENT_LOOKBACK_MS;
    const keptSince = now - this.o.retentionDays * DAY_MS;
    for (const [id, c] of s.chats) {
      const latest = Math.max(c.in?.at ?? Number.NEGATIVE_INFINITY, c.out?.at ?? Number.NEGATIVE_INFINITY);
      if (isOpen(c) ? latest < keptSince : latest < closedBefore) s.chats.delete(id);
    }
  }

  /** Merges one row; whether anything about the agent changed. */
  private apply(row: ReportRow, live: boolean): boolean {
    let s = this.agents.get(row.agent);
    if (!s) {
      if (this.agents.size >= this.maxAgents) {
        if (!this.capLogged) {
          this.capLogged = true;
          this.o.logger.warn(
            { maxAgents: this.maxAgents },
            'board: agent limit reached; agents beyond it are not shown (their events are stored and forwarded as always)',
          );
        }
        return false;
      }
      s = { chats: new Map() };
      this.agents.set(row.agent, s);
    }
    let changed = false;
    if (s.lastActivity === undefined || row.at > s.lastActivity) {
      s.lastActivity = row.at;
      changed = true;
    }
    if (row.kind === AGENT_STATUS_KIND && isAgentStatus(row.status) && isLater(row, s.status)) {
      s.status = { at: row.at, seq: row.seq, status: row.status, ...(row.substatus ? { substatus: row.substatus } : {}) };
      changed = true;
    }
    if (row.alias && isLater(row, s.name)) {
      s.name = { at: row.at, seq: row.seq, alias: row.alias };
      changed = true;
    }
    const effect = row.conversationId === undefined ? undefined : chatEffect(row);
    if (effect) {
      let c = s.chats.get(row.conversationId!);
      // A conversation already forgotten (closed over a day ago) must not come back open because a
      // late copy of its assignment arrives now.
      if (!c && live && effect === 'in' && row.at < this.now() - ASSIGNMENT_LOOKBACK_MS) return changed;
      if (!c) {
        c = {};
        s.chats.set(row.conversationId!, c);
      }
      const mark = { at: row.at, seq: row.seq };
      if (isLater(mark, c[effect])) {
        c[effect] = mark;
        changed = true;
      }
    }
    return changed;
  }

  private row(agent: string): BoardAgent {
    const s = this.agents.get(agent)!;
    let openChats = 0;
    for (const c of s.chats.values()) if (isOpen(c)) openChats++;
    const status = s.status;
    return {
      agent,
      ...(s.name && { name: s.name.alias }),
      status: status?.status ?? 'unknown',
      ...(status?.status === 'pause' && status.substatus !== undefined && { substatus: status.substatus }),
      ...(status && { since: status.at }),
      openChats,
      connected: this.connected.has(agent),
      ...(s.lastActivity !== undefined && { lastActivity: s.lastActivity }),
    };
  }

  private changed(agent: string): void {
    if (this.listeners.size === 0) return;
    const row = this.row(agent);
    const json = JSON.stringify(row);
    if (this.sent.get(agent) === json) return;
    this.sent.set(agent, json);
    for (const l of this.listeners) {
      try {
        l(row, json);
      } catch (err) {
        this.o.logger.error({ err: (err as Error).message }, 'board: a listener failed');
      }
    }
  }
}
