// The board's connection against a scripted relay: fetch is replaced by one that answers what each
// test writes, chunk by chunk; the backoff and the silence watchdog run on fake timers, so each test
// moves time itself and waits for what the page does, never for the clock.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openBoardStream, type StreamHandlers } from '../stream';

const encoder = new TextEncoder();

/** A 200 text/event-stream answer the test writes to. */
function liveAnswer() {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
    },
  });
  return {
    response: new Response(body, { status: 200, headers: { 'Content-Type': 'text/event-stream' } }),
    write: (text: string) => controller.enqueue(encoder.encode(text)),
    close: () => controller.close(),
  };
}

const frame = (event: string, data: unknown) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
const snapshot = (agents: number) => ({
  now: 5000,
  retentionDays: 30,
  agents: Array.from({ length: agents }, (_, i) => ({ agent: `a${i}@example.com`, status: 'online', openChats: 0, connected: true })),
});
const PAUSED = { agent: 'a0@example.com', status: 'pause', substatus: 'Lunch', since: 4000, openChats: 1, connected: true };

function recorder() {
  const log: string[] = [];
  const handlers: StreamHandlers = {
    snapshot: (s) => log.push(`snapshot ${s.agents.length}`),
    agent: (a) => log.push(`agent ${a.agent} ${a.status} ${a.substatus ?? ''}`.trim()),
    phase: (p) =>
      log.push(
        p.kind === 'retrying'
          ? `retrying ${p.problem} #${p.attempt}${p.status ? ` ${p.status} ${p.message}` : ''}`
          : p.kind === 'refused'
            ? `refused ${p.reason}`
            : p.kind,
      ),
  };
  return { log, handlers };
}

/**
 * Lets the page's promises run until `check` passes, with the fake clock standing still (vi.waitFor
 * would advance it, and the backoff tests count every millisecond).
 */
async function settle(check: () => void): Promise<void> {
  for (let round = 0; ; round++) {
    try {
      check();
      return;
    } catch (err) {
      if (round === 1000) throw err;
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
}

const fetchMock = vi.fn<typeof fetch>();
let stop: (() => void) | undefined;

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  fetchMock.mockReset();
  vi.stubGlobal('fetch', fetchMock);
  // Node has no window events; the page listens for 'online' to cut a backoff short.
  vi.stubGlobal('addEventListener', vi.fn());
  vi.stubGlobal('removeEventListener', vi.fn());
});

afterEach(() => {
  stop?.();
  stop = undefined;
  vi.useRealTimers();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe('the live board connection', () => {
  it('sends the token in the Authorization header, never in the URL, and hands over frames split across chunks in order', async () => {
    const answer = liveAnswer();
    fetchMock.mockResolvedValueOnce(answer.response);
    const { log, handlers } = recorder();
    stop = openBoardStream('sup-token-123', handlers);
    const text = `${frame('snapshot', snapshot(2))}: keep-alive\n\n${frame('agent', PAUSED)}`;
    answer.write(text.slice(0, 37));
    answer.write(text.slice(37, 120));
    answer.write(text.slice(120));
    await settle(() => expect(log).toEqual(['connecting', 'snapshot 2', 'live', 'agent a0@example.com pause Lunch']));
    const [url, init] = fetchMock.mock.calls[0]!;
    expect(url).toBe('/api/board/stream');
    expect(String(url)).not.toContain('sup-token-123');
    expect(new Headers(init?.headers).get('Authorization')).toBe('Bearer sup-token-123');
    expect(init?.credentials).toBe('omit');
  });

  it('stops for good on 401 (invalid, expired or revoked token): retrying cannot make it valid', async () => {
    fetchMock.mockResolvedValueOnce(new Response('{"error":"token revoked"}', { status: 401 }));
    const { log, handlers } = recorder();
    stop = openBoardStream('revoked', handlers);
    await settle(() => expect(log).toEqual(['connecting', 'refused unauthorized']));
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(fetchMock).toHaveBeenCalledTimes(1);
  });

  it("stops on 403 and says why: an agent's token", async () => {
    fetchMock.mockResolvedValueOnce(new Response('{"error":"not a supervisor token"}', { status: 403 }));
    const { log, handlers } = recorder();
    stop = openBoardStream('agent-token', handlers);
    await settle(() => expect(log).toEqual(['connecting', 'refused forbidden']));
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(fetchMock).toHaveBeenCalledTimes(1);
  });

  it('reconnects after the relay closes the stream, with backoff, and the new snapshot replaces the board', async () => {
    const first = liveAnswer();
    const second = liveAnswer();
    fetchMock.mockResolvedValueOnce(first.response).mockResolvedValueOnce(second.response);
    const { log, handlers } = recorder();
    stop = openBoardStream('tok', handlers);
    first.write(frame('snapshot', snapshot(2)));
    await settle(() => expect(log).toContain('live'));
    first.close();
    await settle(() => expect(log.at(-1)).toBe('retrying dropped #1'));
    // The first retry waits 0.5–1 s (equal jitter of a 1 s ceiling): not before.
    await vi.advanceTimersByTimeAsync(499);
    expect(fetchMock).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(501);
    expect(fetchMock).toHaveBeenCalledTimes(2);
    second.write(frame('snapshot', snapshot(3)));
    await settle(() => expect(log).toEqual(['connecting', 'snapshot 2', 'live', 'retrying dropped #1', 'snapshot 3', 'live']));
  });

  it('backs off longer while the relay stays unreachable, and counts from the start again once a snapshot arrived', async () => {
    const back = liveAnswer();
    fetchMock
      .mockRejectedValueOnce(new TypeError('fetch failed'))
      .mockRejectedValueOnce(new TypeError('fetch failed'))
      .mockResolvedValueOnce(back.response);
    // The jitter at its low end: each retry waits half its ceiling, 0.5 s, then 1 s.
    vi.spyOn(Math, 'random').mockReturnValue(0);
    const { log, handlers } = recorder();
    stop = openBoardStream('tok', handlers);
    await settle(() => expect(log.at(-1)).toBe('retrying unreachable #1'));
    await vi.advanceTimersByTimeAsync(500);
    await settle(() => expect(log.at(-1)).toBe('retrying unreachable #2'));
    await vi.advanceTimersByTimeAsync(999);
    expect(fetchMock).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(fetchMock).toHaveBeenCalledTimes(3);
    back.write(frame('snapshot', snapshot(1)));
    await settle(() => expect(log.at(-1)).toBe('live'));
    back.close();
    await settle(() => expect(log.at(-1)).toBe('retrying dropped #1'));
  });

  it("reconnects on the relay's other errors and shows its message", async () => {
    fetchMock.mockResolvedValueOnce(new Response('{"error":"the store is not ready"}', { status: 503, statusText: 'Service Unavailable' }));
    const { log, handlers } = recorder();
    stop = openBoardStream('tok', handlers);
    await settle(() => expect(log.at(-1)).toBe('retrying failed #1 503 the store is not ready'));
  });

  it('applies no frame that breaks the protocol: it drops the connection and starts over with a fresh snapshot', async () => {
    const first = liveAnswer();
    fetchMock.mockResolvedValueOnce(first.response).mockResolvedValueOnce(liveAnswer().response);
    const { log, handlers } = recorder();
    stop = openBoardStream('tok', handlers);
    first.write(frame('snapshot', snapshot(1)) + frame('agent', { agent: 'x@example.com', status: 'napping' }) + frame('agent', PAUSED));
    await settle(() => expect(log.at(-1)).toMatch(/^retrying invalid #1/));
    expect(log.filter((l) => l.startsWith('agent'))).toEqual([]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(fetchMock).toHaveBeenCalledTimes(2);
  });

  it('treats a connection silent for 75 s as dead (a proxy that dropped it without closing) and reopens it', async () => {
    const first = liveAnswer();
    fetchMock.mockResolvedValueOnce(first.response).mockResolvedValueOnce(liveAnswer().response);
    const { log, handlers } = recorder();
    stop = openBoardStream('tok', handlers);
    first.write(frame('snapshot', snapshot(1)));
    await settle(() => expect(log.at(-1)).toBe('live'));
    // Traffic keeps it open (any bytes, keep-alive comments too; a frame is one the test can see arrive)...
    await vi.advanceTimersByTimeAsync(60_000);
    first.write(frame('agent', PAUSED));
    await settle(() => expect(log.at(-1)).toBe('agent a0@example.com pause Lunch'));
    await vi.advanceTimersByTimeAsync(60_000);
    expect(log.at(-1)).toBe('agent a0@example.com pause Lunch');
    // ...silence does not.
    await vi.advanceTimersByTimeAsync(15_000);
    await settle(() => expect(log.at(-1)).toBe('retrying dropped #1'));
  });

  it('stops reconnecting when closed (sign-out)', async () => {
    fetchMock.mockRejectedValue(new TypeError('fetch failed'));
    const { log, handlers } = recorder();
    const close = openBoardStream('tok', handlers);
    await settle(() => expect(log.at(-1)).toBe('retrying unreachable #1'));
    close();
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(fetchMock).toHaveBeenCalledTimes(1);
  });
});
