import { defineConfig } from 'vitest/config';

// The benchmark harness at smoke size, alone on the machine (it measures).
export default defineConfig({
  test: {
    include: ['tests/bench/smoke.test.ts'],
    testTimeout: 150_000,
    fileParallelism: false,
  },
});
