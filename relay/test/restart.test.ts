import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { assigned, cleanup, connect, postMany, startRelay, tempDir } from './helpers';

afterEach(cleanup);
const CONV = '/snapengage/conversation-events';

describe('restart on the same database file', () => {
  it('a client that resumes with `after` gets every event in order, exactly once', async () => {
    const dir = tempDir();
    const first = await startRelay({ dir });
    const token = first.tokenFor('alice@example.com');
    const batch1 = Array.from({ length: 30 }, () => assigned('alice@example.com'));
    const batch2 = Array.from({ length: 30 }, () => assigned('alice@example.com'));
    const batch3 = Array.from({ length: 30 }, () => assigned('alice@example.com'));

    const c1 = await connect(first.relay.wsUrl, { type: 'hello', token, after: 0 });
    const welcome1 = await c1.next();
    await postMany(first, CONV, batch1, 1);
    const seen = await c1.events(30);
    // the client handled only the first 20, then the relay went away
    const handled = seen.slice(0, 20);
    let after = handled.at(-1).seq;
    await first.close();
    expect((await c1.closed).code).toBe(1001);

    const second = await startRelay({ dir });
    expect(second.relay.store.generation).toBe(welcome1.generation);
    await postMany(second, CONV, batch2, 1);
    const c2 = await connect(second.relay.wsUrl, { type: 'hello', token, after, generation: welcome1.generation });
    expect(await c2.next()).toMatchObject({ type: 'welcome', resumed: true, latest: 60 });
    // live events while the client replays
    const live = postMany(second, CONV, batch3, 1);
    const got = await c2.events(70);
    await live;
    await new Promise((r) => setTimeout(r, 100));
    const all = [...handled, ...c2.frames.filter((f) => f.type === 'event')];
    expect(all.map((e) => e.id)).toEqual([...batch1, ...batch2, ...batch3].map((b) => b.eventId));
    expect(all.map((e) => e.seq)).toEqual(Array.from({ length: 90 }, (_, i) => i + 1));
    expect(got).toHaveLength(70);
    after = all.at(-1).seq;
    expect(after).toBe(90);
  });

  it('redelivered webhooks after a restart are still duplicates', async () => {
    const dir = tempDir();
    const first = await startRelay({ dir });
    const body = assigned('alice@example.com');
    expect((await first.post(CONV, body)).json).toEqual({ ok: true, seq: 1, duplicate: false });
    await first.close();
    const second = await startRelay({ dir });
    expect((await second.post(CONV, body)).json).toEqual({ ok: true, seq: 1, duplicate: true });
  });

  it('a new database file is a new generation: the old `after` replays from 0', async () => {
    const first = await startRelay();
    for (let i = 0; i < 5; i++) await first.post(CONV, assigned('alice@example.com'));
    const oldGeneration = first.relay.store.generation;
    await first.close();
    const second = await startRelay({ dbPath: join(tempDir(), 'fresh.db') });
    expect(second.relay.store.generation).not.toBe(oldGeneration);
    const body = assigned('alice@example.com');
    await second.post(CONV, body);
    const c = await connect(second.relay.wsUrl, {
      type: 'hello',
      token: second.tokenFor('alice@example.com'),
      after: 5,
      generation: oldGeneration,
    });
    expect(await c.next()).toMatchObject({ type: 'welcome', resumed: false, latest: 1, generation: second.relay.store.generation });
    expect((await c.events(1)).map((e) => e.id)).toEqual([body.eventId]);
  });
});
