// A typed value in extension storage. Writes to one key are serialized (one queue per key),
// because concurrent read-modify-write in a non-persistent background loses updates.
// The queue holds no state of its own: if the worker dies, storage still holds the last write.
import { browser } from '../ext/native';

type Area = 'local' | 'session';

export interface StorageItem<T> {
  readonly key: string;
  readonly area: Area;
  parse(raw: unknown): T;
  get(): Promise<T>;
  set(value: T): Promise<void>;
  update(fn: (current: T) => T): Promise<T>;
  watch(cb: (value: T) => void): () => void;
}

export function storageItem<T>(area: Area, key: string, parse: (raw: unknown) => T): StorageItem<T> {
  let queue: Promise<unknown> = Promise.resolve();
  const storage = () => browser.storage[area];
  const get = async () => parse((await storage().get(key))[key]);
  const enqueue = <R>(job: () => Promise<R>): Promise<R> => {
    const run = queue.then(job, job);
    queue = run.catch(() => undefined);
    return run;
  };
  return {
    key,
    area,
    parse,
    get,
    set: (value) => enqueue(() => storage().set({ [key]: value })),
    update: (fn) =>
      enqueue(async () => {
        const next = fn(await get());
        await storage().set({ [key]: next });
        return next;
      }),
    watch(cb) {
      const listener = (changes: Record<string, { newValue?: unknown }>, changedArea: string) => {
        if (changedArea === area && key in changes) cb(parse(changes[key]?.newValue));
      };
      browser.storage.onChanged.addListener(listener);
      return () => browser.storage.onChanged.removeListener(listener);
    },
  };
}
