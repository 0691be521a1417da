import { defineConfig } from 'vitest/config';

// Fault-injection and fuzz tests: real relay child processes, a real redis-server, loopback only.
// Run: npx vitest run --config relay/vitest.reliability.config.ts (from the repository root)
export default defineConfig({
  root: import.meta.dirname,
  test: {
    name: 'relay-reliability',
    include: ['test/reliability/**/*.test.ts'],
    testTimeout: 200_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
});
