// The board's live state (board/board-state.ts), from rows and events as the relay hands them over:
// out of order, duplicated, transferred, before and after the rows read at start.
import { describe, expect, it } from 'vitest';
import type { BoardAgent } from '@switchboard/protocol/board';
import { BoardState } from '../../src/board/board-state';
import type { ReportRow, ReportSource } from '../../src/board/report-rows';
import { createLogger } from '../../src/logger';
import type { StoredEvent } from '../../src/store';

const A = 'alice@example.com';
const B = 'bob@example.com';
const NOW = Date.parse('2026-03-10T12:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();
const MIN = 60_000;
const HOUR = 3_600_000;

let seq = 0;
const event = (agent: string, kind: string, at: number, data: Record<string, unknown> = {}, s = ++seq): StoredEvent => ({
  seq: s,
  id: `e${s}`,
  agent,
  kind,
  at: iso(at),
  data,
});
const status = (agent: string, at: number, s: string, substatus?: string, n?: number) =>
  event(agent, 'agent_status', at, { agentId: agent, status: s, ...(substatus !== undefined && { substatus }) }, n);
const chat = (agent: string, kind: string, at: number, conversationId: string, more: Record<string, unknown> = {}) =>
  event(agent, kind, at, { conversationId, ...more });

function board(opts: { rows?: ReportRow[] | Error; maxAgents?: number; now?: () => number } = {}) {
  const lines: Array<{ level: number; msg: string }> = [];
  const logger = createLogger('info', { write: (l: string) => void lines.push(JSON.parse(l)) });
  const source: Pick<ReportSource, 'rows'> | undefined =
    opts.rows === undefined
      ? undefined
      : {
          rows: async () => {
            if (opts.rows instanceof Error) throw opts.rows;
            return opts.rows!;
          },
        };
  const state = new BoardState({ source, retentionDays: 7, logger, maxAgents: opts.maxAgents, now: opts.now ?? (() => NOW) });
  const sent: BoardAgent[] = [];
  state.subscribe((row, json) => {
    expect(JSON.parse(json)).toEqual(row);
    sent.push(row);
  });
  const agent = (name: string) => state.snapshot().agents.find((a) => a.agent === name);
  return { state, lines, sent, agent };
}

describe('board state', () => {
  it('status in force is the one with the greatest (at, seq), whatever order they arrive in; since is its at', () => {
    const { state, agent } = board();
    state.event(status(A, NOW - 10 * MIN, 'pause', 'Lunch', 5));
    state.event(status(A, NOW - 30 * MIN, 'online', undefined, 9)); // older, arrived later: not in force
    expect(agent(A)).toMatchObject({ status: 'pause', substatus: 'Lunch', since: NOW - 10 * MIN });
    // Same millisecond: the higher seq wins, in either order of arrival.
    state.event(status(A, NOW - 5 * MIN, 'offline', undefined, 12));
    state.event(status(A, NOW - 5 * MIN, 'online', undefined, 11));
    expect(agent(A)).toMatchObject({ status: 'offline', since: NOW - 5 * MIN });
    expect(agent(A)!.substatus).toBeUndefined();
  });

  it('an agent without a status event kept is listed as unknown, with what their events say', () => {
    const { state, agent } = board();
    state.event(chat(A, 'assigned', NOW - MIN, 'c1', { agentAlias: 'Alice' }));
    expect(agent(A)).toEqual({ agent: A, name: 'Alice', status: 'unknown', openChats: 1, connected: false, lastActivity: NOW - MIN });
  });

  it('open chats: assigned until closed, a close that arrives before its assignment counts, a duplicate counts once', () => {
    const { state, agent } = board();
    state.event(chat(A, 'assigned', NOW - 20 * MIN, 'c1'));
    state.event(chat(A, 'assigned', NOW - 19 * MIN, 'c2'));
    state.event(chat(A, 'assigned', NOW - 19 * MIN, 'c2'));
    expect(agent(A)!.openChats).toBe(2);
    state.event(chat(A, 'closed', NOW - 10 * MIN, 'c1'));
    expect(agent(A)!.openChats).toBe(1);
    // c3's close is delivered first, its assignment after: closed all along.
    state.event(chat(A, 'closed', NOW - 4 * MIN, 'c3'));
    state.event(chat(A, 'assigned', NOW - 5 * MIN, 'c3'));
    expect(agent(A)!.openChats).toBe(1);
    // A chat closed without an assignment seen never opens.
    state.event(chat(A, 'closed', NOW - 3 * MIN, 'c4'));
    expect(agent(A)!.openChats).toBe(1);
    expect(agent(A)!.lastActivity).toBe(NOW - 3 * MIN);
  });

  it('a transfer moves the chat: closed for the agent it came from, open for the one it went to, and back', () => {
    const { state, agent } = board();
    state.event(chat(A, 'assigned', NOW - 30 * MIN, 'c1'));
    const away = { transfer: { fromAgentId: 'Alice@Example.com', toAgentId: B } };
    // Stored for both agents, as the webhook adapter addresses a transfer.
    state.event(chat(B, 'transferred', NOW - 20 * MIN, 'c1', away));
    state.event(chat(A, 'transferred', NOW - 20 * MIN, 'c1', away));
    expect([agent(A)!.openChats, agent(B)!.openChats]).toEqual([0, 1]);
    const back = { transfer: { fromAgentId: B, toAgentId: A } };
    state.event(chat(A, 'transferred', NOW - 10 * MIN, 'c1', back));
    state.event(chat(B, 'transferred', NOW - 10 * MIN, 'c1', back));
    expect([agent(A)!.openChats, agent(B)!.openChats]).toEqual([1, 0]);
  });

  it('listeners get an agent’s row when it changes, and nothing for an event that changes nothing', () => {
    const { state, sent } = board();
    const first = status(A, NOW - MIN, 'online');
    state.event(first);
    state.event(status(A, NOW - 2 * MIN, 'pause', 'Old')); // older: status and last activity stay
    state.event(first); // a redelivery
    state.event(chat(A, 'responded', NOW - 2 * MIN, 'c1')); // older than the last activity, no chat given or taken
    expect(sent).toEqual([{ agent: A, status: 'online', since: NOW - MIN, openChats: 0, connected: false, lastActivity: NOW - MIN }]);
  });

  it('presence: an agent’s extension connecting and leaving shows at once; agents with no events are not listed', () => {
    const { state, sent, agent } = board();
    state.presence(B, true);
    expect(state.snapshot().agents).toEqual([]);
    state.event(status(A, NOW - MIN, 'online'));
    state.presence(A, true);
    expect(agent(A)!.connected).toBe(true);
    state.presence(A, false);
    expect(sent.map((r) => r.connected)).toEqual([false, true, false]);
    // B connected before their first event: listed as connected then.
    state.event(status(B, NOW - MIN, 'online'));
    expect(agent(B)!.connected).toBe(true);
  });

  it('the rows read at start and the events that arrive meanwhile merge in any order', async () => {
    const rows: ReportRow[] = [
      { seq: 1, agent: A, kind: 'agent_status', at: NOW - 2 * HOUR, status: 'online' },
      { seq: 2, agent: A, kind: 'assigned', at: NOW - HOUR, conversationId: 'c1', alias: 'Alice' },
      { seq: 3, agent: B, kind: 'agent_status', at: NOW - HOUR, status: 'pause', substatus: 'Lunch' },
    ];
    const { state, agent, lines } = board({ rows });
    // Arrived before the rows were read: newer than them for A, older for B.
    state.event(status(A, NOW - MIN, 'pause', 'Call', 10));
    state.event(status(B, NOW - 3 * HOUR, 'online', undefined, 11));
    await state.load();
    await state.ready;
    expect(agent(A)).toEqual({
      agent: A,
      name: 'Alice',
      status: 'pause',
      substatus: 'Call',
      since: NOW - MIN,
      openChats: 1,
      connected: false,
      lastActivity: NOW - MIN,
    });
    expect(agent(B)).toMatchObject({ status: 'pause', substatus: 'Lunch', since: NOW - HOUR });
    expect(lines.some((l) => l.msg === 'board loaded from the store')).toBe(true);
  });

  it('a store that cannot be read is logged; the board goes on with what arrives', async () => {
    const { state, agent, lines } = board({ rows: new Error('disk I/O error') });
    await state.load();
    state.event(status(A, NOW - MIN, 'online'));
    expect(agent(A)!.status).toBe('online');
    expect(lines.find((l) => l.level === 50)).toMatchObject({ msg: 'board: reading the store failed; it shows what arrives from now on' });
  });

  it('memory is bounded: agents beyond the limit are not listed, said once in the log', () => {
    const { state, lines } = board({ maxAgents: 2 });
    for (const name of ['a@x.y', 'b@x.y', 'c@x.y', 'd@x.y']) state.event(status(name, NOW - MIN, 'online'));
    expect(state.snapshot().agents.map((a) => a.agent)).toEqual(['a@x.y', 'b@x.y']);
    expect(lines.filter((l) => l.level === 40).map((l) => l.msg)).toEqual([
      'board: agent limit reached; agents beyond it are not shown (their events are stored and forwarded as always)',
    ]);
  });

  it('prune: agents silent for the whole retention go, chats closed over a day ago are forgotten and stay closed', () => {
    let now = NOW;
    const { state, agent } = board({ now: () => now });
    state.event(status(B, NOW - 8 * 24 * HOUR, 'online'));
    state.event(chat(A, 'assigned', NOW - 3 * HOUR, 'c1'));
    state.event(chat(A, 'closed', NOW - 2 * HOUR, 'c1'));
    state.event(chat(A, 'assigned', NOW - 2 * HOUR, 'c2'));
    now = NOW + 25 * HOUR;
    state.prune();
    expect(agent(B)).toBeUndefined();
    expect(agent(A)!.openChats).toBe(1);
    // A late copy of c1's assignment, from before the forgetting horizon: c1 stays closed.
    state.event(chat(A, 'assigned', NOW - 3 * HOUR, 'c1'));
    expect(agent(A)!.openChats).toBe(1);
  });

  it('events nobody received (the pseudo-agent) are not a row', () => {
    const { state } = board();
    state.event(chat('*', 'queued', NOW - MIN, 'c1'));
    expect(state.snapshot()).toEqual({ now: NOW, agents: [], retentionDays: 7 });
  });
});
