// ONE test suite for every PhoneOutboxStore (SQLite and Redis run it; see sqlite-phone-outbox.test.ts
// and redis-phone-outbox.test.ts). `open(name)` opens the outbox called `name` (a file, or a Redis
// key prefix); the same name again is another process's view of it, or a reopen after close.
// Time is passed in, never read from a clock: a lease's end is a number, not a wait.
import type { PhoneChatNotice } from '@switchboard/protocol/phone';
import { describe, expect, it } from 'vitest';
import type { PhoneOutboxStore } from '../src/phone-outbox-store';

export interface OutboxFactory {
  open(name: string): Promise<PhoneOutboxStore>;
}

let n = 0;
const unique = () => `outbox-${process.pid}-${++n}-${Math.random().toString(36).slice(2, 8)}`;
const T0 = 1_764_000_000_000;
const LEASE = 10_000;
const notice = (id: string, agent = 'alice@example.com', state: PhoneChatNotice['state'] = 'chat-started'): PhoneChatNotice => ({
  agent,
  state,
  chatId: `chat-${id}`,
  id,
  at: '2025-11-24T16:00:00.000Z',
});
const ids = (claimed: Array<{ id: string }>) => claimed.map((c) => c.id).sort();

export function phoneOutboxContract(label: string, factory: () => OutboxFactory) {
  describe(`PhoneOutboxStore contract: ${label}`, () => {
    const open = (name = unique()) => factory().open(name);

    it('hands out per agent only the oldest pending notice, with its body; the next once that one is done', async () => {
      const s = await open();
      expect(await s.nextDue()).toBeUndefined();
      await s.add([notice('a1'), notice('b1', 'bob@example.com'), notice('a2')], T0);
      await s.add([notice('a3')], T0 + 1);
      expect(await s.pendingCount()).toBe(4);
      expect(await s.nextDue()).toBe(T0);
      const first = await s.claim(T0 + 5, LEASE, 10);
      expect(ids(first)).toEqual(['a1', 'b1']);
      const a1 = first.find((c) => c.id === 'a1')!;
      expect(a1).toMatchObject({ agent: 'alice@example.com', attempts: 0, createdAt: T0, until: T0 + 5 + LEASE });
      expect(JSON.parse(a1.body)).toEqual(notice('a1'));
      // Nothing more while both heads are claimed.
      expect(await s.claim(T0 + 6, LEASE, 10)).toEqual([]);
      expect(await s.delivered(a1, T0 + 7)).toBe(true);
      expect(await s.pendingCount()).toBe(3);
      expect(ids(await s.claim(T0 + 8, LEASE, 10))).toEqual(['a2']);
      await s.close();
    });

    it('claims at most `limit`, the longest-waiting agents first', async () => {
      const s = await open();
      for (let i = 0; i < 5; i++) await s.add([notice(`n${i}`, `agent${i}@example.com`)], T0 + i);
      expect(ids(await s.claim(T0 + 10, LEASE, 2))).toEqual(['n0', 'n1']);
      expect(ids(await s.claim(T0 + 10, LEASE, 2))).toEqual(['n2', 'n3']);
      expect(ids(await s.claim(T0 + 10, LEASE, 2))).toEqual(['n4']);
      await s.close();
    });

    it('queues an id once: again while pending, and again while its done record is kept; after prune it is new', async () => {
      const s = await open();
      await s.add([notice('x'), notice('x')], T0);
      await s.add([notice('x')], T0 + 1);
      expect(await s.pendingCount()).toBe(1);
      const [x] = await s.claim(T0 + 2, LEASE, 10);
      await s.delivered(x!, T0 + 3);
      await s.add([notice('x')], T0 + 4);
      expect(await s.pendingCount()).toBe(0);
      expect(await s.claim(T0 + 5, LEASE, 10)).toEqual([]);
      expect(await s.prune(T0 + 3)).toBe(0);
      expect(await s.prune(T0 + 4)).toBe(1);
      await s.add([notice('x')], T0 + 5);
      expect(await s.pendingCount()).toBe(1);
      await s.close();
    });

    it('a claim holds the notice against other processes until its lease ends; then another takes it, and the first can no longer reschedule it', async () => {
      const name = unique();
      const [a, b] = [await open(name), await open(name)];
      await a.add([notice('n1'), notice('n2')], T0);
      const [byA] = await a.claim(T0, LEASE, 10);
      expect(byA!.id).toBe('n1');
      // B sees it claimed (and the agent's later notice waits behind it).
      expect(await b.claim(T0 + LEASE - 1, LEASE, 10)).toEqual([]);
      expect(await b.nextDue()).toBe(T0 + LEASE);
      // A died: at the lease's end, B claims it.
      const [byB] = await b.claim(T0 + LEASE, LEASE, 10);
      expect(byB).toMatchObject({ id: 'n1', attempts: 0 });
      expect(byB!.claim).not.toBe(byA!.claim);
      // A's late answers: a retry or a drop under the old claim change nothing...
      expect(await a.retry(byA!, T0 + 99_999, 'HTTP 503', T0 + LEASE + 1)).toBe(false);
      expect(await a.dropped(byA!, 'HTTP 503', T0 + LEASE + 1)).toBe(false);
      expect(await a.release(byA!, T0 + LEASE + 1)).toBe(false);
      expect(await a.claim(T0 + LEASE + 2, LEASE, 10)).toEqual([]);
      // ...B's claim still holds it: a retry from B schedules it.
      expect(await b.retry(byB!, T0 + LEASE + 500, 'HTTP 503', T0 + LEASE + 3)).toBe(true);
      expect(await b.nextDue()).toBe(T0 + LEASE + 500);
      expect(await a.claim(T0 + LEASE + 499, LEASE, 10)).toEqual([]);
      const [again] = await a.claim(T0 + LEASE + 500, LEASE, 10);
      expect(again).toMatchObject({ id: 'n1', attempts: 1 });
      await a.close();
      await b.close();
    });

    it("a delivery is taken from a claim whose lease ran out (the phone system did acknowledge it); the newer claim's answer then changes nothing", async () => {
      const name = unique();
      const [a, b] = [await open(name), await open(name)];
      await a.add([notice('n1'), notice('n2')], T0);
      const [byA] = await a.claim(T0, LEASE, 10);
      const [byB] = await b.claim(T0 + LEASE, LEASE, 10);
      expect(await a.delivered(byA!, T0 + LEASE + 1)).toBe(true);
      expect(await b.delivered(byB!, T0 + LEASE + 2)).toBe(false);
      expect(await b.retry(byB!, T0 + LEASE + 3, 'HTTP 503', T0 + LEASE + 2)).toBe(false);
      expect(ids(await b.claim(T0 + LEASE + 3, LEASE, 10))).toEqual(['n2']);
      expect(await a.pendingCount()).toBe(1);
      await a.close();
      await b.close();
    });

    it('release hands a claim back at once, to any process; drop ends a notice and lets the next one go', async () => {
      const name = unique();
      const [a, b] = [await open(name), await open(name)];
      await a.add([notice('n1'), notice('n2')], T0);
      const [byA] = await a.claim(T0, LEASE, 10);
      expect(await a.release(byA!, T0 + 1)).toBe(true);
      expect(await b.nextDue()).toBeLessThanOrEqual(T0 + 1);
      const [byB] = await b.claim(T0 + 1, LEASE, 10);
      expect(byB).toMatchObject({ id: 'n1', attempts: 0 });
      expect(await b.dropped(byB!, 'gave up', T0 + 2)).toBe(true);
      expect(await a.pendingCount()).toBe(1);
      expect(ids(await a.claim(T0 + 2, LEASE, 10))).toEqual(['n2']);
      // Dropped is done: queued again, it is ignored until pruned.
      await a.add([notice('n1')], T0 + 3);
      expect(await a.pendingCount()).toBe(1);
      await a.close();
      await b.close();
    });

    it('many claims at once from two processes hand out each notice once', async () => {
      const name = unique();
      const [a, b] = [await open(name), await open(name)];
      await a.add(
        Array.from({ length: 40 }, (_, i) => notice(`n${i}`, `agent${i}@example.com`)),
        T0,
      );
      const rounds = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).claim(T0 + 1, LEASE, 3)));
      const all = rounds.flat().map((c) => c.id);
      expect(all).toHaveLength(40);
      expect(new Set(all).size).toBe(40);
      await a.close();
      await b.close();
    });

    it('keeps pending notices, their order, attempts and retry times across a reopen', async () => {
      const name = unique();
      const s = await open(name);
      await s.add([notice('a1'), notice('a2'), notice('b1', 'bob@example.com', 'chat-ended')], T0);
      const [a1] = (await s.claim(T0, LEASE, 10)).filter((c) => c.id === 'a1');
      await s.retry(a1!, T0 + 700, 'HTTP 503', T0 + 1);
      await s.close();
      const again = await open(name);
      expect(await again.pendingCount()).toBe(3);
      expect(await again.claim(T0 + 699, LEASE, 10)).toEqual([]);
      const [first] = await again.claim(T0 + 700, LEASE, 10);
      expect(first).toMatchObject({ id: 'a1', attempts: 1 });
      await again.delivered(first!, T0 + 701);
      expect(ids(await again.claim(T0 + 702, LEASE, 10))).toEqual(['a2']);
      await again.close();
    });

    it('keeps agents apart whatever their ids hold', async () => {
      const s = await open();
      const agents = ['a:b@example.com', 'a', 'ä@example.com', 'x y@example.com'];
      await s.add(
        agents.map((agent, i) => notice(`n${i}`, agent)),
        T0,
      );
      const claimed = await s.claim(T0, LEASE, 10);
      expect(claimed.map((c) => c.agent).sort()).toEqual([...agents].sort());
      await s.close();
    });
  });
}
