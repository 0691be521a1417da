import { defineConfig } from 'vitest/config';

// The store packages: `npm run zip` first (scripts/lint-firefox.ts does), then each zip is unpacked
// and its manifest checked (tests/packages).
export default defineConfig({
  test: {
    include: ['tests/packages/**/*.test.ts'],
    testTimeout: 20_000,
  },
});
