// One clock for the whole page: a single 1 s timer that the board's "for how long" cells subscribe
// to, so a tick re-renders those cells only (not the rows around them). It reads the relay's time:
// `since` values are the server's epoch ms, and this screen's clock may be minutes off, so each
// snapshot sets the offset between the two (snapshot.now against Date.now() when it arrived).
import { useEffect, useState } from 'preact/hooks';

let offsetMs = 0;
const listeners = new Set<() => void>();
let timer: ReturnType<typeof setInterval> | undefined;

export function setServerTime(serverTime: number, localTime = Date.now()): void {
  offsetMs = serverTime - localTime;
}

const serverNow = (): number => Date.now() + offsetMs;

function tick(): void {
  for (const listener of listeners) listener();
}

/** The relay's current time, re-read every second while the calling component is mounted. */
export function useServerNow(): number {
  const [, setTick] = useState(0);
  useEffect(() => {
    const listener = () => setTick((n) => n + 1);
    listeners.add(listener);
    timer ??= setInterval(tick, 1000);
    return () => {
      listeners.delete(listener);
      if (!listeners.size && timer !== undefined) {
        clearInterval(timer);
        timer = undefined;
      }
    };
  }, []);
  return serverNow();
}
