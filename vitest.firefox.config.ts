import { defineConfig } from 'vitest/config';
import { resolve } from 'node:path';

// The Firefox end-to-end walk drives the built add-on (.output/firefox-mv3) in real Firefox ESR
// over WebDriver BiDi (scripts/browser/firefox.ts).
export default defineConfig({
  resolve: { alias: { '@': resolve(import.meta.dirname) } },
  test: {
    include: ['tests/e2e/firefox/**/*.test.ts'],
    testTimeout: 90_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
});
