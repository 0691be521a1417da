import { defineConfig } from 'vitest/config';
import { WxtVitest } from 'wxt/testing/vitest-plugin';

export default defineConfig({
  plugins: [WxtVitest()],
  test: {
    include: ['tests/unit/**/*.test.{ts,tsx}', 'tests/relay/**/*.test.ts', 'tests/sandbox/**/*.test.ts'],
    // The benchmark smoke run is CPU-heavy: it runs alone (vitest.bench.config.ts), not beside timing-sensitive tests.
    exclude: ['tests/relay/bench-smoke.test.ts', '**/node_modules/**'],
    setupFiles: ['tests/unit/setup-i18n.ts'],
    testTimeout: 20_000,
  },
});
