import { useEffect, useState } from 'preact/hooks';
import type { StorageItem } from '@/lib/storage/item';

/** The item's current value, kept live through storage.onChanged; undefined until first read. */
export function useItem<T>(item: StorageItem<T>): T | undefined {
  const [value, setValue] = useState<T | undefined>(undefined);
  useEffect(() => {
    let live = true;
    void item.get().then((v) => live && setValue(v));
    const stop = item.watch(setValue);
    return () => {
      live = false;
      stop();
    };
  }, [item]);
  return value;
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
