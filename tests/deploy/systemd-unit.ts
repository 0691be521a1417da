// deploy/systemd/switchboard-relay.service read the way systemd reads what the relay depends on: its
// [Service] settings, the Environment= it hands the relay (specifiers resolved as systemd would), the
// credentials it loads and the command it starts. The package test runs the installed relay with these.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './tools';

const UNIT_PATH = join(ROOT, 'deploy/systemd/switchboard-relay.service');

export class ServiceUnit {
  private readonly settings: [key: string, value: string][] = [];

  constructor(readonly text = readFileSync(UNIT_PATH, 'utf8')) {
    let section = '';
    for (const raw of text.split('\n')) {
      const line = raw.trim();
      if (!line || line.startsWith('#') || line.startsWith(';')) continue;
      const header = /^\[(.+)\]$/.exec(line);
      if (header) section = header[1]!;
      else if (section === 'Service') {
        const eq = line.indexOf('=');
        this.settings.push([line.slice(0, eq), line.slice(eq + 1)]);
      }
    }
  }

  /** Every value of a [Service] key, in order. */
  all(key: string): string[] {
    return this.settings.filter(([k]) => k === key).map(([, v]) => v);
  }

  one(key: string): string | undefined {
    return this.all(key).at(-1);
  }

  /** Environment= as the relay receives it: %d is the credentials directory, %S the state root (/var/lib). */
  environment(dirs: { credentials: string; stateRoot: string }): Record<string, string> {
    const env: Record<string, string> = {};
    for (const assignment of this.all('Environment')) {
      const eq = assignment.indexOf('=');
      const value = assignment.slice(eq + 1).replace(/%(.)/g, (_, s: string) => {
        if (s === 'd') return dirs.credentials;
        if (s === 'S') return dirs.stateRoot;
        if (s === '%') return '%';
        throw new Error(`${UNIT_PATH}: the test does not resolve the specifier %${s}`);
      });
      env[assignment.slice(0, eq)] = value;
    }
    return env;
  }

  /** LoadCredential=name:source */
  credentials(): Array<{ name: string; source: string }> {
    return this.all('LoadCredential').map((v) => {
      const colon = v.indexOf(':');
      return { name: v.slice(0, colon), source: v.slice(colon + 1) };
    });
  }

  execStart(): { path: string; args: string[] } {
    const [path, ...args] = (this.one('ExecStart') ?? '').split(/\s+/);
    return { path: path!, args };
  }

  /** A systemd time span in seconds ("30s", "1min 30s", "90"). */
  seconds(key: string): number {
    const value = this.one(key) ?? '';
    let total = 0;
    for (const [, n, unit] of value.matchAll(/(\d+(?:\.\d+)?)\s*(ms|s|sec|min|m|h)?/g)) {
      const scale = { ms: 0.001, s: 1, sec: 1, min: 60, m: 60, h: 3600 }[unit ?? 's'] ?? 1;
      total += Number(n) * scale;
    }
    return total;
  }
}
