import type { BoardAgent, BoardSnapshot } from '@switchboard/protocol/board';
import { describe, expect, it } from 'vitest';
import { countByStatus, fromSnapshot, NO_FILTER, nameRanks, reasonsPresent, visibleRows, withAgent } from '../board-state';

const agent = (email: string, fields: Partial<BoardAgent> = {}): BoardAgent => ({
  agent: email,
  status: 'online',
  openChats: 0,
  connected: true,
  ...fields,
});

const snapshot = (agents: BoardAgent[]): BoardSnapshot => ({ now: 1_000_000, agents, retentionDays: 30 });

const emails = (rows: BoardAgent[]) => rows.map((r) => r.agent);

const TEAM = [
  agent('zoe@example.com', { name: 'Zoe', status: 'pause', substatus: 'Lunch', since: 1 }),
  agent('adam@example.com', { name: 'adam', status: 'offline' }),
  agent('bea@example.com', { name: 'Bea', status: 'online', openChats: 2 }),
  agent('carl@example.com', { status: 'pause', substatus: 'Meeting' }),
  agent('dora@example.com', { name: 'Dora', status: 'pause' }),
  agent('eve@example.com', { name: 'Eve', status: 'unknown' }),
  agent('abe@example.com', { name: 'Abe', status: 'online', connected: false }),
];
const ranks = nameRanks(TEAM, new Intl.Collator('en', { sensitivity: 'base', numeric: true }));

describe('the live board state', () => {
  it('takes every agent and the retention from a snapshot', () => {
    const state = fromSnapshot(snapshot(TEAM));
    expect([...state.agents.keys()].sort()).toEqual(emails(TEAM).sort());
    expect(state.retentionDays).toBe(30);
    expect(state.names.get('bea@example.com')).toBe('Bea');
    expect(state.names.has('carl@example.com')).toBe(false);
  });

  it("replaces one agent's row on an agent frame and leaves every other row the same object (so only that row re-renders)", () => {
    const before = fromSnapshot(snapshot(TEAM));
    const changed = agent('bea@example.com', { name: 'Bea', status: 'pause', substatus: 'Lunch', since: 5 });
    const after = withAgent(before, changed);
    expect(after).not.toBe(before);
    expect(after.agents.get('bea@example.com')).toBe(changed);
    for (const a of TEAM.filter((x) => x.agent !== 'bea@example.com')) expect(after.agents.get(a.agent)).toBe(a);
    expect(after.agents.size).toBe(TEAM.length);
    // The state it came from is untouched: Preact compares old and new.
    expect(before.agents.get('bea@example.com')!.status).toBe('online');
    // Same name: the names map is the same object, and the reports view need not re-render.
    expect(after.names).toBe(before.names);
  });

  it('adds an agent seen for the first time, and follows a new name', () => {
    const state = withAgent(fromSnapshot(snapshot(TEAM)), agent('new@example.com', { name: 'Nova' }));
    expect(state.agents.size).toBe(TEAM.length + 1);
    expect(state.names.get('new@example.com')).toBe('Nova');
    const renamed = withAgent(state, agent('new@example.com', { name: 'Nova K.' }));
    expect(renamed.names.get('new@example.com')).toBe('Nova K.');
    expect(state.names.get('new@example.com')).toBe('Nova');
  });

  it('counts agents per status, every status listed even at zero', () => {
    expect(countByStatus(TEAM)).toEqual({ online: 2, pause: 3, offline: 1, unknown: 1 });
    expect(countByStatus([])).toEqual({ online: 0, pause: 0, offline: 0, unknown: 0 });
  });

  it('lists the pause reasons paused agents have now, once each, a pause without a reason as ""', () => {
    expect(reasonsPresent(TEAM)).toEqual(['', 'Lunch', 'Meeting']);
    // An online agent's stale substatus is no reason anyone is paused with.
    expect(reasonsPresent([agent('x@example.com', { status: 'online', substatus: 'Lunch' })])).toEqual([]);
  });

  it('sorts by status (online, paused, offline, unknown), then by name ignoring case, the email standing in for a missing name', () => {
    expect(emails(visibleRows(TEAM, NO_FILTER, ranks))).toEqual([
      'abe@example.com',
      'bea@example.com',
      'carl@example.com', // no name: sorted by its email, "carl…", between Bea and Dora's names
      'dora@example.com',
      'zoe@example.com',
      'adam@example.com',
      'eve@example.com',
    ]);
  });

  it("ranks by name in the locale's order (ä with a, 10 after 9), an agent without a name by email, equal names by email", () => {
    const de = new Intl.Collator('de', { sensitivity: 'base', numeric: true });
    const team = [
      agent('z@example.com', { name: 'Änne' }),
      agent('b@example.com', { name: 'Bert' }),
      agent('a10@example.com', { name: 'Agent 10' }),
      agent('a9@example.com', { name: 'Agent 9' }),
      agent('y@example.com', { name: 'bert' }),
    ];
    const order = nameRanks(team, de);
    expect([...order].sort((x, y) => x[1] - y[1]).map(([email]) => email)).toEqual([
      'a9@example.com',
      'a10@example.com',
      'z@example.com',
      'b@example.com',
      'y@example.com',
    ]);
    // An agent the ranks do not know yet goes last within its status until they are recomputed.
    expect(emails(visibleRows([...team, agent('new@example.com', { name: 'Aaron' })], NO_FILTER, order)).at(-1)).toBe('new@example.com');
  });

  it('filters by status, by reason (paused agents only, "" for no reason) and by text in name or email', () => {
    expect(emails(visibleRows(TEAM, { ...NO_FILTER, status: 'online' }, ranks))).toEqual(['abe@example.com', 'bea@example.com']);
    expect(emails(visibleRows(TEAM, { ...NO_FILTER, reason: 'Lunch' }, ranks))).toEqual(['zoe@example.com']);
    expect(emails(visibleRows(TEAM, { ...NO_FILTER, reason: '' }, ranks))).toEqual(['dora@example.com']);
    expect(emails(visibleRows(TEAM, { ...NO_FILTER, text: '  ZO ' }, ranks))).toEqual(['zoe@example.com']);
    expect(emails(visibleRows(TEAM, { ...NO_FILTER, text: 'carl@' }, ranks))).toEqual(['carl@example.com']);
    expect(emails(visibleRows(TEAM, { status: 'pause', reason: 'Meeting', text: 'example' }, ranks))).toEqual(['carl@example.com']);
    expect(visibleRows(TEAM, { status: 'online', reason: 'Lunch', text: '' }, ranks)).toEqual([]);
  });
});
