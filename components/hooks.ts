import { useEffect, useState } from 'preact/hooks';
import { browser } from '@/lib/ext/native';

type Raw = Record<string, unknown>;

/**
 * Several storage.local keys read in ONE storage call: the popup's first paint waits on it, so it
 * renders once, with data, instead of rendering empty and again after an effect. Uses the read
 * public/popup-prefetch.js started before our modules loaded when it covers these keys.
 */
export function readLocal(keys: readonly string[]): Promise<Raw> {
  const prefetched = (globalThis as { __switchboardPrefetch?: { keys: string[]; read: Promise<Raw> } }).__switchboardPrefetch;
  const read = prefetched && keys.every((k) => prefetched.keys.includes(k)) ? prefetched.read : browser.storage.local.get([...keys]);
  return read.catch((): Raw => ({}));
}

/**
 * The record `readLocal` returned, kept live. A change between that early read and the listener
 * below would be missed, so the keys are read again once listening.
 */
export function useLocal(keys: readonly string[], initial: Raw): Raw {
  const [values, setValues] = useState<Raw>(initial);
  useEffect(() => {
    let live = true;
    const listener = (changes: Record<string, { newValue?: unknown }>, area: string) => {
      if (area !== 'local' || !keys.some((k) => k in changes)) return;
      setValues((prev) => {
        const next = { ...prev };
        for (const k of keys) if (k in changes) next[k] = changes[k]?.newValue;
        return next;
      });
    };
    browser.storage.onChanged.addListener(listener);
    void browser.storage.local.get([...keys]).then((raw) => live && setValues(raw));
    return () => {
      live = false;
      browser.storage.onChanged.removeListener(listener);
    };
  }, [keys]);
  return values;
}

/** Re-renders every `ms` so elapsed times tick. */
export function useNow(ms: number): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(timer);
  }, [ms]);
  return now;
}
