// The live board as a Preact hook: the stream (./stream) feeds the state (./board-state), and each
// applied `agent` frame is timed for the benchmark.
//
// `board-update` (performance.getEntriesByName('board-update')): one measure per applied agent frame,
// from the moment the chunk holding it arrived (performance.now() right after the stream's read, before
// decoding, SSE parsing and the zod check) to the end of the commit of the render that applied it: a
// layout effect, which Preact runs once the DOM of that render is updated, before the browser's own
// style, layout and paint. Preact renders on its default schedule (a microtask after the state change),
// so several frames of one chunk share one render and each is measured to that render's commit.
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { type BoardState, fromSnapshot, withAgent } from './board-state';
import { setServerTime } from './clock';
import { openBoardStream, type StreamPhase } from './stream';

const UPDATE_MEASURE = 'board-update';
/** A wall screen runs for days: past this many measures they are cleared, so the timeline does not grow without end. */
const MAX_MEASURES = 10_000;
let measured = 0;

function recordUpdates(starts: number[]): void {
  if (!starts.length) return;
  const end = performance.now();
  if (measured + starts.length > MAX_MEASURES) {
    performance.clearMeasures(UPDATE_MEASURE);
    measured = 0;
  }
  for (const start of starts) performance.measure(UPDATE_MEASURE, { start, end });
  measured += starts.length;
  starts.length = 0;
}

interface LiveBoard {
  /** undefined until the first snapshot. */
  state: BoardState | undefined;
  phase: StreamPhase;
}

/** The board for `token`, live; nothing without a token. A new token starts a new stream. */
export function useLiveBoard(token: string | undefined): LiveBoard {
  const [state, setState] = useState<BoardState | undefined>();
  const [phase, setPhase] = useState<StreamPhase>({ kind: 'connecting' });
  const pending = useRef<number[]>([]);
  useEffect(() => {
    setState(undefined);
    setPhase({ kind: 'connecting' });
    if (!token) return;
    // The stream's handlers build on the latest state synchronously; Preact renders it afterwards.
    let board: BoardState | undefined;
    return openBoardStream(token, {
      snapshot(snapshot) {
        setServerTime(snapshot.now);
        board = fromSnapshot(snapshot);
        setState(board);
      },
      agent(agent, receivedAt) {
        // Before the first snapshot there is no board to apply it to; the snapshot will carry it.
        if (!board) return;
        board = withAgent(board, agent);
        pending.current.push(receivedAt);
        setState(board);
      },
      phase: setPhase,
    });
  }, [token]);
  useLayoutEffect(() => {
    if (state) recordUpdates(pending.current);
  }, [state]);
  return { state, phase };
}
