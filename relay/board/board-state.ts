// The live board's state, kept apart from Preact so it can be tested without a DOM. A snapshot
// replaces everything (each stream, and each reconnect, starts with one); an `agent` frame replaces
// that agent's row. Rows nobody touched keep their identity, which is what lets the table skip
// re-rendering them (BoardRow compares the row object).
import { BOARD_STATUSES, type BoardAgent, type BoardSnapshot, type BoardStatus } from '@switchboard/protocol/board';
import type { MessageKey } from './i18n';

/** Each status in words (the board never shows a status by colour alone). */
export const STATUS_WORDS: Record<BoardStatus, MessageKey> = {
  online: 'statusOnline',
  pause: 'statusPause',
  offline: 'statusOffline',
  unknown: 'statusUnknown',
};

export interface BoardState {
  /** Agent email → row. */
  agents: ReadonlyMap<string, BoardAgent>;
  /**
   * Agent email → name, for the reports (which carry emails only). The same object until a name
   * changes, so the reports view does not re-render on every status change.
   */
  names: ReadonlyMap<string, string>;
  retentionDays: number;
}

export function fromSnapshot(snapshot: BoardSnapshot): BoardState {
  return {
    agents: new Map(snapshot.agents.map((a) => [a.agent, a])),
    names: new Map(snapshot.agents.flatMap((a) => (a.name ? [[a.agent, a.name] as const] : []))),
    retentionDays: snapshot.retentionDays,
  };
}

/** A copy with `agent`'s row replaced (or added: an agent seen for the first time). */
export function withAgent(state: BoardState, agent: BoardAgent): BoardState {
  const agents = new Map(state.agents);
  agents.set(agent.agent, agent);
  let names = state.names;
  const name = agent.name || undefined;
  if (state.names.get(agent.agent) !== name) {
    const changed = new Map(names);
    if (name) changed.set(agent.agent, name);
    else changed.delete(agent.agent);
    names = changed;
  }
  return { ...state, agents, names };
}

export interface BoardFilter {
  status: BoardStatus | 'all';
  /** A pause reason ('' for a pause without one): paused agents with it only. undefined: any. */
  reason: string | undefined;
  /** Matched against name and email, ignoring case. */
  text: string;
}

export const NO_FILTER: BoardFilter = { status: 'all', reason: undefined, text: '' };

export function countByStatus(agents: Iterable<BoardAgent>): Record<BoardStatus, number> {
  const counts = Object.fromEntries(BOARD_STATUSES.map((s) => [s, 0])) as Record<BoardStatus, number>;
  for (const a of agents) counts[a.status]++;
  return counts;
}

/** The pause reasons agents are paused with now, for the reason filter ('' for a pause without one). */
export function reasonsPresent(agents: Iterable<BoardAgent>): string[] {
  const reasons = new Set<string>();
  for (const a of agents) if (a.status === 'pause') reasons.add(a.substatus ?? '');
  return [...reasons].sort((x, y) => x.localeCompare(y));
}

export const displayName = (a: BoardAgent): string => a.name || a.agent;

function matches(a: BoardAgent, filter: BoardFilter, text: string): boolean {
  if (filter.status !== 'all' && a.status !== filter.status) return false;
  if (filter.reason !== undefined && (a.status !== 'pause' || (a.substatus ?? '') !== filter.reason)) return false;
  return !text || a.agent.toLowerCase().includes(text) || (a.name?.toLowerCase().includes(text) ?? false);
}

const STATUS_ORDER = new Map<BoardStatus, number>(BOARD_STATUSES.map((s, i) => [s, i]));

const byEmail = (x: BoardAgent, y: BoardAgent) => (x.agent < y.agent ? -1 : x.agent > y.agent ? 1 : 0);

/**
 * Each agent's place by name (then email) among all agents. Names change far less often than statuses,
 * so the board computes this when a name changes or an agent joins, and each update sorts by integers:
 * with 500 agents the collator's thousands of comparisons per update were the sort's whole cost.
 */
export function nameRanks(agents: Iterable<BoardAgent>, collator: Intl.Collator): ReadonlyMap<string, number> {
  const all = [...agents].sort((x, y) => collator.compare(displayName(x), displayName(y)) || byEmail(x, y));
  return new Map(all.map((a, i) => [a.agent, i]));
}

/** The rows to show, sorted by status (online, paused, offline, unknown), then by their rank by name. */
export function visibleRows(agents: Iterable<BoardAgent>, filter: BoardFilter, ranks: ReadonlyMap<string, number>): BoardAgent[] {
  const text = filter.text.trim().toLowerCase();
  const rows: BoardAgent[] = [];
  for (const a of agents) if (matches(a, filter, text)) rows.push(a);
  // An agent the ranks do not know yet (they are recomputed on the next render) goes after the known ones.
  const rank = (a: BoardAgent) => ranks.get(a.agent) ?? ranks.size;
  return rows.sort((x, y) => STATUS_ORDER.get(x.status)! - STATUS_ORDER.get(y.status)! || rank(x) - rank(y) || byEmail(x, y));
}
