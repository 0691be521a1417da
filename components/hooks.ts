import { useEffect, useState } from 'preact/hooks';
import type { StorageItem } from '@/lib/storage/item';
import { browser } from '@/lib/ext/native';

type Values<T extends readonly StorageItem<unknown>[]> = { [K in keyof T]: T[K] extends StorageItem<infer V> ? V : never };

/**
 * Several storage.local items read in ONE storage call (the popup's first paint waits on it),
 * then kept live. undefined until that first read.
 */
export function useLocalItems<const T extends readonly StorageItem<unknown>[]>(items: T): Values<T> | undefined {
  const [values, setValues] = useState<Values<T> | undefined>(undefined);
  useEffect(() => {
    let live = true;
    const keys = items.map((i) => i.key);
    const read = (raw: Record<string, unknown>) => items.map((i) => i.parse(raw[i.key])) as Values<T>;
    // public/popup-prefetch.js may have started this very read before our modules loaded.
    const prefetched = (globalThis as { __switchboardPrefetch?: { keys: string[]; read: Promise<Record<string, unknown>> } }).__switchboardPrefetch;
    const usePrefetch = !!prefetched && keys.every((k) => prefetched.keys.includes(k));
    void (usePrefetch ? prefetched.read : browser.storage.local.get(keys)).then((raw) => live && setValues(read(raw)));
    // A change between that early read and the listener below would be missed: read again once listening.
    if (usePrefetch) void browser.storage.local.get(keys).then((raw) => live && setValues(read(raw)));
    const listener = (changes: Record<string, { newValue?: unknown }>, area: string) => {
      if (area !== 'local' || !keys.some((k) => k in changes)) return;
      setValues((prev) => prev && (items.map((item, i) => (item.key in changes ? item.parse(changes[item.key]?.newValue) : prev[i])) as Values<T>));
    };
    browser.storage.onChanged.addListener(listener);
    return () => {
      live = false;
      browser.storage.onChanged.removeListener(listener);
    };
  }, []);
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
