// ONE test suite for every EventStore implementation (SQLite and Redis run it; see
// sqlite-store.test.ts and redis-store.test.ts). A factory hands out stores: `open(name)` opens the
// log called `name` (a file, or a Redis key prefix) — the same name again means "reopen".
import { describe, expect, it } from 'vitest';
import type { AppendResult, EventStore, NewEvent, NewQuarantineEntry } from '../src/store';

export interface StoreFactory {
  open(name: string): Promise<EventStore>;
}

let n = 0;
const unique = () => `log-${process.pid}-${++n}-${Math.random().toString(36).slice(2, 8)}`;
const qe = (id: string, receivedAt = Date.now(), body = `{"shape":"${id}","text":"ünïcode ✓"}`): NewQuarantineEntry => ({
  id,
  endpoint: 'conversation-events',
  receivedAt,
  reason: 'missing_agent',
  detail: 'agent.id is missing',
  body,
});
const ev = (id: string, agent = 'alice@example.com'): NewEvent => ({
  id,
  agent,
  kind: 'assigned',
  at: '2025-11-24T16:00:00.000Z',
  data: { conversationId: id, nested: { n: [1, 'two'] } },
});

export function storeContract(label: string, factory: () => StoreFactory) {
  describe(`EventStore contract: ${label}`, () => {
    const open = (name = unique()) => factory().open(name);

    it('appends made at once keep call order, and seqs are global', async () => {
      const s = await open();
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) => s.append([ev(`e${i}`, i % 2 ? 'bob@example.com' : 'alice@example.com')])),
      );
      expect(results.map((r) => r[0]!.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
      expect((await s.readAfter('alice@example.com', 0, 100)).map((e) => e.id)).toEqual(Array.from({ length: 25 }, (_, i) => `e${i * 2}`));
      expect((await s.readAfter('bob@example.com', 0, 100)).map((e) => e.seq)).toEqual(Array.from({ length: 25 }, (_, i) => i * 2 + 2));
      await s.close();
    });

    it('dedupes on (agent, id), also within one batch', async () => {
      const s = await open();
      const [a, b, c] = await Promise.all([s.append([ev('x')]), s.append([ev('x')]), s.append([ev('x', 'bob@example.com')])]);
      expect(a).toEqual([{ seq: 1, duplicate: false }]);
      expect(b).toEqual([{ seq: 1, duplicate: true }]);
      expect(c).toEqual([{ seq: 2, duplicate: false }]);
      expect(await s.append([ev('y'), ev('x'), ev('y', 'bob@example.com')])).toEqual([
        { seq: 3, duplicate: false },
        { seq: 1, duplicate: true },
        { seq: 4, duplicate: false },
      ]);
      expect(await s.latest('alice@example.com')).toBe(3);
      expect(await s.latest('nobody@example.com')).toBe(0);
      await s.close();
    });

    it('round-trips data and pages with readAfter', async () => {
      const s = await open();
      await s.append([ev('a'), ev('b'), ev('c')]);
      const page = await s.readAfter('alice@example.com', 1, 1);
      expect(page).toEqual([
        {
          seq: 2,
          id: 'b',
          agent: 'alice@example.com',
          kind: 'assigned',
          at: '2025-11-24T16:00:00.000Z',
          data: { conversationId: 'b', nested: { n: [1, 'two'] } },
        },
      ]);
      expect(await s.readAfter('alice@example.com', 3, 10)).toEqual([]);
      expect(await s.readAfter('alice@example.com', 0, 10)).toHaveLength(3);
      await s.close();
    });

    it('keeps generation and events across reopen; a new log gets a new generation', async () => {
      const name = unique();
      const s = await open(name);
      const g = s.generation;
      await s.append([ev('kept')]);
      await s.close();
      const again = await open(name);
      expect(again.generation).toBe(g);
      expect((await again.readAfter('alice@example.com', 0, 10)).map((e) => e.id)).toEqual(['kept']);
      expect(await again.append([ev('kept')])).toEqual([{ seq: 1, duplicate: true }]);
      const other = await open();
      expect(other.generation).not.toBe(g);
      await again.close();
      await other.close();
    });

    it('hands each append its results in onCommitted before that append resolves, and not for a failed append', async () => {
      const s = await open();
      // Per append only: with Redis each append is its own round trip, so when one append's
      // callback runs relative to another append's promise is not promised.
      const tracked = (events: NewEvent[]) => {
        const committed: AppendResult[][] = [];
        const settled = s
          .append(events, (r) => committed.push(r))
          .then((resolved) => ({ resolved, committedBeforeResolve: [...committed] }));
        return { committed, settled };
      };
      const first = tracked([ev('a'), ev('b')]);
      const again = tracked([ev('a')]);
      const [f, g] = await Promise.all([first.settled, again.settled]);
      expect(f.resolved).toEqual([
        { seq: 1, duplicate: false },
        { seq: 2, duplicate: false },
      ]);
      expect(f.committedBeforeResolve).toEqual([f.resolved]);
      expect(g.resolved).toEqual([{ seq: 1, duplicate: true }]);
      expect(g.committedBeforeResolve).toEqual([g.resolved]);
      await s.close();
      expect(first.committed).toHaveLength(1);
      expect(again.committed).toHaveLength(1);
      let called = false;
      await expect(
        s.append([ev('c')], () => {
          called = true;
        }),
      ).rejects.toThrow();
      expect(called).toBe(false);
    });

    it('an onCommitted that throws does not fail the append: the events are stored and the append resolves with their results', async () => {
      const s = await open();
      const thrown: AppendResult[][] = [];
      const results = await s.append([ev('a'), ev('b', 'bob@example.com')], (r) => {
        thrown.push(r);
        throw new Error('the caller failed to forward');
      });
      expect(results).toEqual([
        { seq: 1, duplicate: false },
        { seq: 2, duplicate: false },
      ]);
      expect(thrown).toEqual([results]);
      expect((await s.readAfter('alice@example.com', 0, 10)).map((e) => e.id)).toEqual(['a']);
      expect(await s.latest('bob@example.com')).toBe(2);
      // The redelivery SnapEngage would send is a duplicate, and the store goes on as before.
      expect(await s.append([ev('a')])).toEqual([{ seq: 1, duplicate: true }]);
      expect(await s.append([ev('c')])).toEqual([{ seq: 3, duplicate: false }]);
      await s.close();
    });

    it('prune never lets a seq be reused', async () => {
      const s = await open();
      await s.append([ev('a'), ev('b')]);
      expect(await s.prune(new Date(Date.now() + 1000))).toBe(2);
      expect(await s.latest('alice@example.com')).toBe(0);
      expect(await s.append([ev('c')])).toEqual([{ seq: 3, duplicate: false }]);
      expect(await s.prune(new Date(Date.now() - 86_400_000))).toBe(0);
      await s.close();
    });

    it('records revocations durably', async () => {
      const name = unique();
      const s = await open(name);
      await s.revokeToken('jti-1');
      await s.revokeToken('jti-1');
      await s.close();
      const again = await open(name);
      expect(await again.isRevoked('jti-1')).toBe(true);
      expect(await again.isRevoked('jti-2')).toBe(false);
      await again.close();
    });

    it('quarantine: stores durably, once per id, lists in order of receipt, updates, drops, prunes', async () => {
      const name = unique();
      const s = await open(name);
      const t0 = Date.now() - 10_000;
      expect(await Promise.all(['q-c', 'q-a', 'q-b'].map((id, i) => s.quarantine(qe(id, t0 + i))))).toEqual([
        { duplicate: false },
        { duplicate: false },
        { duplicate: false },
      ]);
      // A redelivery keeps the first entry as it was.
      expect(await s.quarantine({ ...qe('q-a', t0 + 99), reason: 'other' })).toEqual({ duplicate: true });
      // Reopened straight after: what a 202 was answered for is there.
      const pending = s.quarantine(qe('q-d', t0 + 3));
      await s.close();
      expect(await pending).toEqual({ duplicate: false });
      const again = await open(name);
      const all = await again.listQuarantine({ limit: 10 });
      expect(all.map((e) => e.id)).toEqual(['q-c', 'q-a', 'q-b', 'q-d']);
      expect(all[1]).toEqual({ ...qe('q-a', t0 + 1), n: all[1]!.n });
      expect(all.map((e) => e.n)).toEqual([...all.map((e) => e.n)].sort((a, b) => a - b));
      expect((await again.listQuarantine({ after: all[0]!.n, limit: 2 })).map((e) => e.id)).toEqual(['q-a', 'q-b']);
      expect((await again.listQuarantine({ ids: ['q-b', 'q-nope', 'q-c'], limit: 10 })).map((e) => e.id)).toEqual(['q-c', 'q-b']);
      await again.updateQuarantine('q-b', 'bad_field', 'timestamp must be epoch ms');
      await again.updateQuarantine('q-gone', 'bad_field', 'x');
      expect((await again.listQuarantine({ ids: ['q-b'], limit: 1 }))[0]).toMatchObject({
        reason: 'bad_field',
        detail: 'timestamp must be epoch ms',
      });
      expect(await again.listQuarantine({ ids: ['q-gone'], limit: 1 })).toEqual([]);
      expect(await again.dropQuarantine(['q-a', 'q-nope'])).toBe(1);
      expect(await again.pruneQuarantine(new Date(t0 + 2))).toBe(1);
      expect((await again.listQuarantine({ limit: 10 })).map((e) => e.id)).toEqual(['q-b', 'q-d']);
      // An id dropped then received again is a new entry, later in the order.
      await again.quarantine(qe('q-a', t0 + 5));
      const last = await again.listQuarantine({ limit: 10 });
      expect(last.map((e) => e.id)).toEqual(['q-b', 'q-d', 'q-a']);
      expect(last[2]!.n).toBeGreaterThan(all[3]!.n);
      await again.close();
      await expect(again.quarantine(qe('q-late'))).rejects.toThrow(/closed/);
    });

    it('close finishes queued appends, then reports unhealthy and refuses more', async () => {
      const s = await open();
      expect(await s.healthy()).toBe(true);
      const pending = s.append([ev('late')]);
      await s.close();
      expect(await pending).toEqual([{ seq: 1, duplicate: false }]);
      expect(await s.healthy()).toBe(false);
      await expect(s.append([ev('after-close')])).rejects.toThrow(/closed/);
    });
  });
}
