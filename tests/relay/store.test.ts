import { join } from 'node:path';
import { afterEach } from 'vitest';
import { SqliteEventStore } from '../../relay/sqlite-store';
import { cleanup, tempDir } from './helpers';
import { storeContract } from './store-contract';

afterEach(cleanup);

// The SQLite half of the shared store suite (the Redis half is redis-store.test.ts).
let dir: string | undefined;
storeContract('SQLite', () => ({
  async open(name) {
    dir ??= tempDir();
    return new SqliteEventStore(join(dir, `${name}.db`));
  },
}));
afterEach(() => {
  dir = undefined;
});
