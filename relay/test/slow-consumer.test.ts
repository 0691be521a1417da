import { afterEach, expect, it } from 'vitest';
import { CloseCode } from '@switchboard/protocol/frames';
import { assigned, cleanup, connect, startRelay } from './helpers';

afterEach(cleanup);

it('a socket that stops reading is closed as a slow consumer, and can resume', async () => {
  const t = await startRelay({ maxBufferedBytes: 256 * 1024, logLevel: 'info' });
  const token = t.tokenFor('alice@example.com');
  const c = await connect(t.relay.wsUrl, { type: 'hello', token, after: 0 });
  await c.next();
  (c.ws as any)._socket.pause();
  const padding = 'x'.repeat(200 * 1024);
  let closedBy: { code: number; reason: string } | undefined;
  void c.closed.then((x) => {
    closedBy = x;
  });
  const serverClosed = new Promise<void>((resolve) => {
    const poll = setInterval(async () => {
      const m = await t.get('/metrics');
      if (m.text.includes('relay_connected_sockets 0')) {
        clearInterval(poll);
        resolve();
      }
    }, 50);
  });
  let posted = 0;
  while (posted < 400) {
    await t.post('/snapengage/conversation-events', assigned('alice@example.com', { padding }));
    posted++;
    if ((await t.get('/healthz')).json.connectedAgents === 0) break;
  }
  await serverClosed;
  expect(posted).toBeLessThan(400);
  (c.ws as any)._socket.resume();
  const closed = await c.closed;
  expect(closedBy ?? closed).toEqual({ code: CloseCode.slowConsumer, reason: 'slow consumer: reconnect and resume' });
  const again = await connect(t.relay.wsUrl, { type: 'hello', token, after: 0 });
  expect(await again.next()).toMatchObject({ type: 'welcome', latest: posted });
  expect((await again.events(posted, 15_000)).map((e) => e.seq)).toEqual(Array.from({ length: posted }, (_, i) => i + 1));
});
