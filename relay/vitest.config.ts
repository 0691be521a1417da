import { defineConfig } from 'vitest/config';

// The relay's tests; the fault-injection ones under test/reliability have their own config.
export default defineConfig({
  root: import.meta.dirname,
  test: {
    name: 'relay',
    include: ['test/**/*.test.ts'],
    exclude: ['test/reliability/**', '**/node_modules/**'],
    testTimeout: 20_000,
  },
});
