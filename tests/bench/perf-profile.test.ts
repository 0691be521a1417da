// `--profile perf` splits a server's CPU per event by thread and code; the split is what the note and
// bench/README.md quote, so its grouping is checked on a report perf printed here (trimmed).
import { expect, it } from 'vitest';
import { parsePerfShares } from '../../bench/perf-profile';

const REPORT = `
    33.68%  MainThread    node
    24.25%  MainThread    [kernel.kallsyms]
    10.13%  MainThread    [JIT] tid 24980
     9.10%  MainThread    better_sqlite3.node
     8.81%  V8Worker      node
     6.98%  libuv-worker  [kernel.kallsyms]
     3.69%  MainThread    libc.so.6
     0.33%  MainThread    libstdc++.so.6.0.30
     0.22%  MainThread    [vdso]
     0.14%  WorkerThread  node
     0.05%  perf-exec     some-helper.so
`;

it('groups perf samples by what the thread does and what code it ran, the largest share first', () => {
  const shares = parsePerfShares(REPORT);
  expect(Object.keys(shares).slice(0, 4)).toEqual(['event loop · node', 'event loop · kernel', 'event loop · JS', 'event loop · SQLite']);
  expect(shares['event loop · JS']).toBeCloseTo(0.1013);
  expect(shares['GC · node']).toBeCloseTo(0.0881);
  expect(shares['thread pool · kernel']).toBeCloseTo(0.0698);
  // libc, libstdc++ and the vDSO are the C library's share together.
  expect(shares['event loop · libc']).toBeCloseTo(0.0369 + 0.0033 + 0.0022);
  expect(shares['worker · node']).toBeCloseTo(0.0014);
  expect(shares['other · other']).toBeCloseTo(0.0005);
  // Nothing is dropped: the shares add up to what perf reported.
  expect(Object.values(shares).reduce((a, b) => a + b, 0)).toBeCloseTo(0.9738);
});

it('reads nothing from lines that are not sample rows', () => {
  expect(parsePerfShares('# Samples: 8K of event cpu-clock\n\n#\n')).toEqual({});
});
