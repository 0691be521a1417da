import { defineConfig } from 'vitest/config';

// The deployment as an operator does it (tests/deploy): the relay package packed, installed with npm and
// run with plain node; nginx and Caddy in front of the relay with TLS; the systemd unit checked by
// systemd-analyze. One file at a time: the package install compiles better-sqlite3 (2 cores).
export default defineConfig({
  test: {
    name: 'deploy',
    include: ['tests/deploy/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 300_000,
  },
});
