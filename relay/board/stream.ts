// The live board's connection: GET /api/board/stream read with fetch (the token goes in a header)
// and parsed as server-sent events (./sse). Each connection starts with a snapshot, then one `agent`
// frame per change. A dropped or silent connection is reopened with the project's backoff, and the
// new connection's snapshot replaces whatever the page missed meanwhile. A refused token ends it:
// retrying cannot make a revoked token valid.
import { retryDelay } from '@switchboard/protocol/backoff';
import { BOARD_STREAM_PATH, BoardAgent, BoardSnapshot } from '@switchboard/protocol/board';
import * as z from 'zod/mini';
import { RelayError, relayFetch } from './api';
import { SseParser } from './sse';

type StreamProblem = 'unreachable' | 'dropped' | 'failed' | 'invalid';

export type StreamPhase =
  | { kind: 'connecting' }
  | { kind: 'live' }
  /** Waiting to reconnect after `problem` (`status` and `message`: the relay's answer, for `failed`). */
  | { kind: 'retrying'; problem: StreamProblem; attempt: number; status?: number; message?: string }
  | { kind: 'refused'; reason: 'unauthorized' | 'forbidden' };

export interface StreamHandlers {
  /** `receivedAt`: performance.now() when the chunk that completed it arrived. */
  snapshot(snapshot: BoardSnapshot, receivedAt: number): void;
  agent(agent: BoardAgent, receivedAt: number): void;
  phase(phase: StreamPhase): void;
}

/**
 * A connection silent for this long is treated as dead (a proxy or NAT that dropped it without
 * closing it): the relay writes `: keep-alive` comments well within it, and any bytes count.
 */
const SILENCE_MS = 75_000;
const BACKOFF = { baseMs: 1000, maxMs: 30_000 };

function parseFrame<S extends z.ZodMiniType>(schema: S, data: string, what: string): z.output<S> {
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    throw new RelayError('invalid', `${what} is not JSON`);
  }
  const parsed = z.safeParse(schema, json);
  if (!parsed.success) throw new RelayError('invalid', `${what}: ${parsed.error.message}`);
  return parsed.data;
}

/** Starts the connection; the returned function closes it for good (sign-out, page change). */
export function openBoardStream(token: string, on: StreamHandlers): () => void {
  let stopped = false;
  let current: AbortController | undefined;
  let wake: (() => void) | undefined;
  let attempt = 0;
  /** The current connection has delivered its snapshot. */
  let live = false;
  // Back online after an outage: reconnect now rather than at the end of the backoff.
  const onOnline = () => wake?.();
  addEventListener('online', onOnline);

  /** Reads one connection until it ends; throws what ended it, returns if the relay closed it. */
  async function read(response: Response, controller: AbortController): Promise<void> {
    if (!response.body) throw new RelayError('invalid', 'the stream has no body');
    const reader = response.body.getReader();
    // Aborting the request (stop, the silence watchdog) ends a pending read, whatever the fetch implementation.
    controller.signal.addEventListener('abort', () => void reader.cancel().catch(() => undefined), { once: true });
    const decoder = new TextDecoder();
    const parser = new SseParser();
    let watchdog = setTimeout(() => controller.abort(), SILENCE_MS);
    try {
      while (true) {
        const { done, value } = await reader.read();
        clearTimeout(watchdog);
        if (done) return;
        watchdog = setTimeout(() => controller.abort(), SILENCE_MS);
        const receivedAt = performance.now();
        for (const event of parser.push(decoder.decode(value, { stream: true }))) {
          if (event.event === 'snapshot') {
            on.snapshot(parseFrame(BoardSnapshot, event.data, 'the snapshot'), receivedAt);
            if (!live) on.phase({ kind: 'live' });
            live = true;
            attempt = 0;
          } else if (event.event === 'agent') {
            on.agent(parseFrame(BoardAgent, event.data, 'an agent frame'), receivedAt);
          }
          // Other event types are a newer relay's: ignored, as the protocol promises compatible additions.
        }
      }
    } finally {
      clearTimeout(watchdog);
      controller.abort();
    }
  }

  const run = async () => {
    on.phase({ kind: 'connecting' });
    while (!stopped) {
      const controller = new AbortController();
      current = controller;
      live = false;
      let phase: StreamPhase;
      try {
        const response = await relayFetch(BOARD_STREAM_PATH, token, { signal: controller.signal, accept: 'text/event-stream' });
        await read(response, controller);
        phase = { kind: 'retrying', problem: 'dropped', attempt: attempt + 1 };
      } catch (err) {
        if (stopped) return;
        if (err instanceof RelayError) {
          if (err.kind === 'unauthorized' || err.kind === 'forbidden') {
            on.phase({ kind: 'refused', reason: err.kind });
            return;
          }
          phase = { kind: 'retrying', problem: err.kind, attempt: attempt + 1, status: err.status, message: err.message };
        } else {
          // A read that failed mid-stream: the network went, the relay restarted, or the silence watchdog fired.
          phase = { kind: 'retrying', problem: 'dropped', attempt: attempt + 1 };
        }
      }
      if (stopped) return;
      attempt++;
      on.phase(phase);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, retryDelay(attempt, BACKOFF));
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
    }
  };
  void run();

  return () => {
    stopped = true;
    removeEventListener('online', onOnline);
    current?.abort();
    wake?.();
  };
}
