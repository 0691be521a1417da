import { defineConfig } from 'vitest/config';
import { resolve } from 'node:path';

// End-to-end tests drive the built extension (.output/chrome-mv3) in real Chromium.
export default defineConfig({
  resolve: { alias: { '@': resolve(import.meta.dirname) } },
  test: {
    include: ['tests/e2e/**/*.test.ts'],
    // Firefox has a run of its own (vitest.firefox.config.ts).
    exclude: ['tests/e2e/firefox/**', '**/node_modules/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
});
