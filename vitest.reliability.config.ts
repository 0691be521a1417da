import { defineConfig } from 'vitest/config';

// Fault-injection and fuzz tests: real relay child processes, a real redis-server, loopback only.
// Run: npx vitest run --config vitest.reliability.config.ts
export default defineConfig({
  test: {
    include: ['tests/reliability/**/*.test.ts'],
    testTimeout: 200_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
});
