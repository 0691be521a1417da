import { defineConfig } from 'vitest/config';
import { WxtVitest } from 'wxt/testing/vitest-plugin';

// `npx vitest run`: the extension's unit tests, the relay's (relay/vitest.config.ts) and the
// tools' (sandbox, bench, the lint layering). The fault-injection, benchmark-smoke, package, deployment and end-to-end
// runs have configs of their own (scripts/test.ts runs each).
export default defineConfig({
  test: {
    projects: [
      {
        plugins: [WxtVitest()],
        test: {
          name: 'extension',
          // tests/ mirrors the extension's folders (tests/lib/status/sender.test.ts tests lib/status/sender.ts);
          // the tools' tests and the end-to-end tests live beside them.
          include: ['tests/**/*.test.{ts,tsx}'],
          exclude: [
            'tests/e2e/**',
            'tests/packages/**',
            'tests/sandbox/**',
            'tests/bench/**',
            'tests/lint/**',
            'tests/deploy/**',
            '**/node_modules/**',
          ],
          setupFiles: ['tests/setup-i18n.ts'],
          testTimeout: 20_000,
        },
      },
      'relay/vitest.config.ts',
      // The board page's pure modules (SSE parser, board state, formats, texts); the page itself is tested end to end.
      { test: { name: 'board', include: ['relay/board/test/**/*.test.ts'] } },
      { test: { name: 'protocol', include: ['protocol/test/**/*.test.ts'] } },
      {
        test: {
          name: 'tools',
          include: ['tests/sandbox/**/*.test.ts', 'tests/bench/**/*.test.ts', 'tests/lint/**/*.test.ts'],
          // The benchmark smoke run is CPU-heavy: it runs alone (vitest.bench.config.ts), not beside timing-sensitive tests.
          exclude: ['tests/bench/smoke.test.ts', '**/node_modules/**'],
          testTimeout: 20_000,
        },
      },
    ],
  },
});
