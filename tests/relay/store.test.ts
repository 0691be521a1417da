import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteEventStore } from '../../relay/sqlite-store';
import type { NewEvent } from '../../relay/store';
import { cleanup, tempDir } from './helpers';

afterEach(cleanup);
const ev = (id: string, agent = 'alice@example.com'): NewEvent => ({ id, agent, kind: 'assigned', at: '2025-11-24T16:00:00.000Z', data: { conversationId: id } });

function open(path = join(tempDir(), 'r.db')) {
  const s = new SqliteEventStore(path);
  return { s, path };
}

describe('SqliteEventStore', () => {
  it('appends in the same tick share one commit and keep call order', async () => {
    const { s } = open();
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => s.append([ev(`e${i}`, i % 2 ? 'bob@example.com' : 'alice@example.com')])));
    expect(results.map((r) => r[0]!.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect((await s.readAfter('alice@example.com', 0, 100)).map((e) => e.id)).toEqual(Array.from({ length: 25 }, (_, i) => `e${i * 2}`));
    await s.close();
  });

  it('dedupes on (agent, id), also within one batch', async () => {
    const { s } = open();
    const [a, b, c] = await Promise.all([s.append([ev('x')]), s.append([ev('x')]), s.append([ev('x', 'bob@example.com')])]);
    expect(a).toEqual([{ seq: 1, duplicate: false }]);
    expect(b).toEqual([{ seq: 1, duplicate: true }]);
    expect(c).toEqual([{ seq: 2, duplicate: false }]);
    expect(await s.latest('alice@example.com')).toBe(1);
    expect(await s.latest('nobody@example.com')).toBe(0);
    await s.close();
  });

  it('round-trips data and pages with readAfter', async () => {
    const { s } = open();
    await s.append([ev('a'), ev('b'), ev('c')]);
    const page = await s.readAfter('alice@example.com', 1, 1);
    expect(page).toEqual([{ seq: 2, id: 'b', agent: 'alice@example.com', kind: 'assigned', at: '2025-11-24T16:00:00.000Z', data: { conversationId: 'b' } }]);
    await s.close();
  });

  it('keeps generation across reopen; a new file gets a new one', async () => {
    const { s, path } = open();
    const g = s.generation;
    await s.close();
    const again = new SqliteEventStore(path);
    expect(again.generation).toBe(g);
    const other = open().s;
    expect(other.generation).not.toBe(g);
    await again.close();
    await other.close();
  });

  it('prune never lets a seq be reused', async () => {
    const { s } = open();
    await s.append([ev('a'), ev('b')]);
    expect(await s.prune(new Date(Date.now() + 1000))).toBe(2);
    expect(await s.latest('alice@example.com')).toBe(0);
    expect(await s.append([ev('c')])).toEqual([{ seq: 3, duplicate: false }]);
    expect(await s.prune(new Date(Date.now() - 86_400_000))).toBe(0);
    await s.close();
  });

  it('records revocations durably', async () => {
    const { s, path } = open();
    await s.revokeToken('jti-1');
    await s.revokeToken('jti-1');
    await s.close();
    const again = new SqliteEventStore(path);
    expect(await again.isRevoked('jti-1')).toBe(true);
    expect(await again.isRevoked('jti-2')).toBe(false);
    await again.close();
  });

  it('close finishes queued appends, then reports unhealthy and refuses more', async () => {
    const { s } = open();
    const pending = s.append([ev('late')]);
    await s.close();
    expect(await pending).toEqual([{ seq: 1, duplicate: false }]);
    expect(await s.healthy()).toBe(false);
    await expect(s.append([ev('after-close')])).rejects.toThrow(/closed/);
  });
});
