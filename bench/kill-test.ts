// The durability goal beside the speed goals: the relay's kill -9 test (relay/test/reliability/
// relay-killed.test.ts, a relay killed at random moments under load and restarted) run as it runs
// in `npm test`, and its figures read from the line it prints. A faster relay that loses or repeats
// an event has not met the goals.
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { ROOT } from './common';

export interface KillTestResult {
  passed: boolean;
  seconds: number;
  /** From the test's `[reliability] relay killed under load (SQLite): …` line; absent when it printed none. */
  figures?: { accepted: number; delivered: number; lost: number; duplicatesShown: number; outOfOrder: number; kills: number };
  /** Why it failed to run or to pass, when it did. */
  error?: string;
}

const LINE = /\[reliability\] relay killed under load \(SQLite\): (.*)/;

export function runKillTest(): KillTestResult {
  const started = Date.now();
  const run = spawnSync(
    process.execPath,
    [resolve(ROOT, 'node_modules/vitest/vitest.mjs'), 'run', '--config', 'relay/vitest.reliability.config.ts', 'relay-killed'],
    { cwd: ROOT, encoding: 'utf8', timeout: 300_000, env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' } },
  );
  const seconds = Math.round((Date.now() - started) / 1000);
  const line = LINE.exec(run.stdout ?? '')?.[1];
  const figures = line
    ? (Object.fromEntries(line.split(' ').map((kv) => [kv.split('=')[0], Number(kv.split('=')[1])])) as KillTestResult['figures'])
    : undefined;
  const passed = run.status === 0 && figures !== undefined;
  return {
    passed,
    seconds,
    figures,
    ...(!passed && {
      error: run.error?.message ?? `exit ${run.status ?? run.signal}: ${(run.stdout ?? '').split('\n').slice(-15).join('\n')}`,
    }),
  };
}
