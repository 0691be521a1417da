// deploy/systemd/switchboard-relay.service: systemd's own checks (verify, and the offline security
// review) and the promises docs/deploy.md makes about it. This machine runs no systemd (a container), so
// the unit is never started here: the package test (package.test.ts) runs the installed relay with the
// unit's environment, credentials and command instead.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ServiceUnit } from './systemd-unit';
import { cleanup, findTool, startChild, tempDir } from './tools';

const analyze = findTool('systemd-analyze', 'systemd');
const unit = new ServiceUnit();
afterAll(cleanup);

/** The unit with ExecStart's program placed in a folder of the test (verify checks that it exists and runs). */
function renderedUnit(): string {
  const dir = tempDir('systemd');
  const { path } = unit.execStart();
  const program = join(dir, 'root', path);
  mkdirSync(join(program, '..'), { recursive: true });
  writeFileSync(program, '#!/bin/sh\n');
  chmodSync(program, 0o755);
  const text = unit.text.split(`ExecStart=${path} `);
  expect(text).toHaveLength(2);
  const file = join(dir, 'switchboard-relay.service');
  writeFileSync(file, text.join(`ExecStart=${program} `));
  return file;
}

describe.skipIf(!analyze.path)(`systemd unit (deploy/systemd)${analyze.missing ? ` — skipped: ${analyze.missing}` : ''}`, () => {
  it('systemd-analyze verify finds nothing to complain about', async () => {
    const check = startChild(analyze.path!, ['verify', renderedUnit()]);
    expect({ exit: await check.exited, output: check.output() }).toEqual({ exit: 0, output: '' });
  });

  it('systemd-analyze security rates its exposure OK (2.0 or lower, out of 10)', async () => {
    const review = startChild(analyze.path!, ['security', '--offline=true', renderedUnit()]);
    expect(await review.exited).toBe(0);
    const score = /Overall exposure level for [^:]+: ([\d.]+) (\w+)/.exec(review.output());
    console.log(`systemd-analyze security: exposure ${score?.[1]} ${score?.[2]}`);
    expect(Number(score?.[1])).toBeLessThanOrEqual(2);
  });
});

describe('systemd unit: what docs/deploy.md says about it', () => {
  it('a user of its own, its database in StateDirectory=, the file system read-only otherwise', () => {
    expect(unit.one('DynamicUser')).toBe('yes');
    expect(unit.one('StateDirectory')).toBe('switchboard-relay');
    expect(unit.environment({ credentials: '/c', stateRoot: '/var/lib' }).RELAY_DB).toBe('/var/lib/switchboard-relay/relay.db');
    expect(unit.one('ProtectSystem')).toBe('strict');
    expect(unit.one('NoNewPrivileges')).toBe('yes');
    expect(unit.one('CapabilityBoundingSet')).toBe('');
    expect(unit.one('Restart')).toBe('always');
  });

  it('secrets only as credentials files, each read through its *_FILE variable', () => {
    const env = unit.environment({ credentials: '/run/credentials/switchboard-relay.service', stateRoot: '/var/lib' });
    const names = unit.credentials().map((c) => c.name);
    for (const secret of ['RELAY_SECRET', 'SNAPENGAGE_WEBHOOK_TOKEN']) {
      expect(env[secret]).toBeUndefined();
      expect(env[`${secret}_FILE`]).toMatch(/^\/run\/credentials\/switchboard-relay\.service\//);
    }
    // Every credential loaded is read by a *_FILE variable, and every *_FILE names a loaded credential.
    const read = Object.entries(env)
      .filter(([k]) => k.endsWith('_FILE'))
      .map(([, v]) => v.split('/').at(-1));
    expect(read.toSorted()).toEqual(names.toSorted());
    for (const c of unit.credentials()) expect(c.source).toMatch(/^\/etc\/switchboard-relay\//);
  });

  it('the stop timeout leaves room for the graceful shutdown (10 s for requests, 2 s for sockets)', () => {
    expect(unit.one('KillSignal') ?? 'SIGTERM').toBe('SIGTERM');
    expect(unit.seconds('TimeoutStopSec')).toBeGreaterThanOrEqual(20);
  });
});
