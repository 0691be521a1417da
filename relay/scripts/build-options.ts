// How the package bundles the relay (./build.ts), shared with the benchmark (bench/relay-bench.ts),
// so the relay it measures is the code IT runs: one esbuild bundle, not tsx's per-file transform
// (which keeps function names by wrapping each closure as it is made, ~2.5% of the event loop).
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { BuildOptions } from 'esbuild';

export const RELAY_DIR = resolve(import.meta.dirname, '..');

/** The npm dependencies: installed by npm, never bundled. */
export const relayDependencies = (): string[] =>
  Object.keys((JSON.parse(readFileSync(join(RELAY_DIR, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies);

export const relayBundleOptions = (): BuildOptions => ({
  absWorkingDir: RELAY_DIR,
  bundle: true,
  platform: 'node',
  format: 'esm',
  // The oldest line package.json's engines names.
  target: 'node22.13',
  // A package name also covers its subpaths (zod → zod/mini).
  external: relayDependencies(),
  logLevel: 'warning',
});
