// ONE test suite for server-side call sync's records in every store (call-state.ts: SQLite and
// Redis run it from sqlite-store.test.ts and redis-store.test.ts, with their store factories). What
// call-sync.ts relies on: a record survives reopening, an update is atomic against updates from
// another store on the same data (another relay process), and the due index follows the records.
import { describe, expect, it } from 'vitest';
import { type CallState, type CallStateStore, EMPTY_CALL_STATE } from '../src/call-state';
import type { EventStore } from '../src/store';
import type { StoreFactory } from './store-contract';

let n = 0;
const unique = () => `calls-${process.pid}-${++n}-${Math.random().toString(36).slice(2, 8)}`;
const ALICE = 'alice@example.com';
const BOB = 'bob@example.com';

const statesOf = (store: EventStore): CallStateStore => {
  if (!store.callStates) throw new Error('this store keeps no call states');
  return store.callStates;
};
const set = (next: CallState) => () => ({ next, result: undefined });
const pending = (id: string, nextAttemptAt: number): CallState => ({
  ...EMPTY_CALL_STATE,
  calls: [id],
  action: { id, status: 'pause', substatus: 'On a call', callId: id, createdAt: nextAttemptAt, attempts: 0, nextAttemptAt },
});

export function callStateContract(label: string, factory: () => StoreFactory) {
  describe(`CallStateStore contract: ${label}`, () => {
    const open = (name = unique()) => factory().open(name);

    it('an agent without a record reads as empty; an update is kept across reopening, per agent', async () => {
      const name = unique();
      const s = await open(name);
      expect(await statesOf(s).get(ALICE)).toEqual(EMPTY_CALL_STATE);
      const record: CallState = {
        ...EMPTY_CALL_STATE,
        calls: ['c-1', 'c-2'],
        ended: ['c-0'],
        claim: { callId: 'c-1', substatus: 'On a call ✆', at: 1_764_000_000_000 },
        known: { status: 'pause', substatus: 'On a call ✆', at: 1_764_000_000_001 },
      };
      expect(await statesOf(s).update(ALICE, () => ({ next: record, result: 'written' }))).toBe('written');
      // Not closed first, like a process killed right after its update resolved.
      const again = await open(name);
      expect(await statesOf(again).get(ALICE)).toEqual(record);
      expect(await statesOf(again).get(BOB)).toEqual(EMPTY_CALL_STATE);
      await s.close();
      await again.close();
    });

    it('updates from two stores on the same data, all at once, lose none: each sees the one before it', async () => {
      const name = unique();
      const [a, b] = [await open(name), await open(name)];
      const ids = Array.from({ length: 40 }, (_, i) => `c-${i}`);
      const seen = await Promise.all(
        ids.map((id, i) =>
          statesOf(i % 2 ? a : b).update(ALICE, (s) => ({ next: { ...s, calls: [...s.calls, id] }, result: s.calls.length })),
        ),
      );
      const calls = (await statesOf(a).get(ALICE)).calls;
      expect([...calls].sort()).toEqual([...ids].sort());
      // Every update's result is from the record it was finally applied to: one saw 0 calls, one 1, …
      expect([...seen].sort((x, y) => x - y)).toEqual(ids.map((_, i) => i));
      await a.close();
      await b.close();
    });

    it('an update that changes nothing writes nothing, and still answers', async () => {
      const s = await open();
      await statesOf(s).update(ALICE, set(pending('c-1', 1000)));
      expect(await statesOf(s).update(ALICE, (cur) => ({ next: cur, result: cur.calls }))).toEqual(['c-1']);
      expect(await statesOf(s).due(1000, 10)).toEqual([ALICE]);
      await s.close();
    });

    it('due lists agents whose change is due, earliest first, not before a lease runs out; nextDueAt is the earliest', async () => {
      const s = await open();
      const states = statesOf(s);
      expect(await states.due(Number.MAX_SAFE_INTEGER, 10)).toEqual([]);
      expect(await states.nextDueAt()).toBeUndefined();
      await states.update(BOB, set(pending('b-1', 2000)));
      await states.update(ALICE, set(pending('a-1', 1000)));
      await states.update('carol@example.com', set({ ...EMPTY_CALL_STATE, calls: ['x'] })); // nothing pending
      expect(await states.nextDueAt()).toBe(1000);
      expect(await states.due(999, 10)).toEqual([]);
      expect(await states.due(1500, 10)).toEqual([ALICE]);
      expect(await states.due(2000, 10)).toEqual([ALICE, BOB]);
      expect(await states.due(2000, 1)).toEqual([ALICE]);
      // A lease until 5000 holds Alice's change back until then, wherever it was taken.
      await states.update(ALICE, (cur) => ({ next: { ...cur, lease: { holder: 'p1', at: 1000, until: 5000 } }, result: undefined }));
      expect(await states.due(4999, 10)).toEqual([BOB]);
      expect(await states.due(5000, 10)).toEqual([BOB, ALICE]);
      // Done: gone from the index.
      await states.update(BOB, (cur) => ({ next: { ...cur, action: null }, result: undefined }));
      expect(await states.due(Number.MAX_SAFE_INTEGER, 10)).toEqual([ALICE]);
      expect(await states.nextDueAt()).toBe(5000);
      await s.close();
    });

    it('a record it cannot read (a newer relay, damage) reads as empty rather than failing the agent', async () => {
      const s = await open();
      const states = statesOf(s);
      await states.update(ALICE, () => ({ next: { ...EMPTY_CALL_STATE, calls: 'not a list' } as unknown as CallState, result: 0 }));
      expect(await states.get(ALICE)).toEqual(EMPTY_CALL_STATE);
      await states.update(ALICE, set(pending('a-1', 1)));
      expect((await states.get(ALICE)).calls).toEqual(['a-1']);
      await s.close();
    });

    it('prune deletes the records not updated since the cutoff that have nothing pending', async () => {
      const s = await open();
      const states = statesOf(s);
      await states.update(ALICE, set({ ...EMPTY_CALL_STATE, calls: ['never-ended'] }));
      await states.update(BOB, set(pending('b-1', 1000)));
      expect(await states.prune(new Date(Date.now() - 60_000))).toBe(0);
      expect(await states.prune(new Date(Date.now() + 60_000))).toBe(1);
      expect(await states.get(ALICE)).toEqual(EMPTY_CALL_STATE);
      expect((await states.get(BOB)).calls).toEqual(['b-1']);
      expect(await states.due(1000, 10)).toEqual([BOB]);
      // Once its change is done, Bob's record goes the same way.
      await states.update(BOB, (cur) => ({ next: { ...cur, action: null }, result: undefined }));
      expect(await states.prune(new Date(Date.now() + 60_000))).toBe(1);
      expect(await states.get(BOB)).toEqual(EMPTY_CALL_STATE);
      await s.close();
    });

    it('a closed store refuses updates', async () => {
      const s = await open();
      await s.close();
      await expect(statesOf(s).update(ALICE, set(pending('a-1', 1)))).rejects.toThrow();
    });
  });
}
