// `token --setup-code <email>` and `token --csv <team file>`: one setup code per agent, the only
// thing an agent types (protocol/src/setup-code.ts: the relay's websocket URL, the agent's relay
// token and email). Each code is a credential, so the team's file is written 0600 and never over
// an existing file, and stderr says what the codes are and how to revoke one.
import { readFileSync, writeFileSync } from 'node:fs';
import { normalizeAgentId } from '@switchboard/protocol/agent-id';
import { encodeSetupCode, SetupCode } from '@switchboard/protocol/setup-code';
import { issueRelayToken } from './auth';

export const SETUP_CODE_USAGE = `  npm run relay -- token --setup-code <agent-email> [--days N | --no-expiry]
                                               print one setup code for an agent (the relay's URL from
                                               RELAY_PUBLIC_URL, a new relay token, the email); the agent
                                               pastes it once in the extension
  npm run relay -- token --csv <team-file> [--out <file>] [--days N | --no-expiry]
                                               the same for a team: the file has one email per line, or
                                               is a CSV with an email column (blank lines and # comments
                                               skipped); writes email,code lines to stdout or to a new
                                               file --out (created 0600)
`;

/** `https://relay.example.com[/prefix]` → `wss://relay.example.com[/prefix]/ws`; plain http (loopback) → ws. */
export function relayWebsocketUrl(publicUrl: string): string {
  const url = new URL(publicUrl);
  url.protocol = url.protocol === 'https:' || url.protocol === 'wss:' ? 'wss:' : 'ws:';
  url.pathname = url.pathname.replace(/\/ws\/?$/, '/').replace(/\/?$/, '/ws');
  return url.href;
}

/** Why an address cannot be given a setup code, or its normalised form (the relay token's `sub`). */
function agentOf(raw: string): { ok: true; agent: string } | { ok: false; error: string } {
  const agent = normalizeAgentId(raw.trim());
  if (!SetupCode.shape.agent.safeParse(agent).success) return { ok: false, error: 'is not an email address' };
  // The codes land in a spreadsheet sooner or later: a cell starting with one of these runs as a formula.
  if (/^[=+\-@]/.test(agent)) return { ok: false, error: 'starts with =, +, - or @ (a spreadsheet would run it as a formula)' };
  return { ok: true, agent };
}

export interface IssuedCode {
  agent: string;
  code: string;
  jti: string;
  /** ISO time, or `never`. */
  expires: string;
  /** Characters NFKC left beyond ASCII, as U+XXXX: the address is another agent than an ASCII look-alike. */
  beyondAscii: string[];
}

export function issueSetupCode(secret: string, publicUrl: string, email: string, ttlDays: number | 'never' | undefined): IssuedCode {
  const checked = agentOf(email);
  if (!checked.ok) throw new Error(`${JSON.stringify(email.slice(0, 80))} ${checked.error}`);
  const { token, claims } = issueRelayToken(secret, checked.agent, { ttlDays });
  return {
    agent: claims.sub,
    code: encodeSetupCode({ v: 1, relay: relayWebsocketUrl(publicUrl), token, agent: claims.sub }),
    jti: claims.jti,
    expires: claims.exp ? new Date(claims.exp * 1000).toISOString() : 'never',
    beyondAscii: [...new Set([...claims.sub].filter((c) => c > '\x7e'))].map(
      (c) => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`,
    ),
  };
}

/** One CSV line's cells (RFC 4180 quoting, on one line); undefined when a quote is left open. */
function csvCells(line: string): string[] | undefined {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"' && cell.trim() === '') {
      quoted = true;
      cell = '';
    } else if (c === ',') {
      cells.push(cell.trim());
      cell = '';
    } else cell += c;
  }
  if (quoted) return undefined;
  cells.push(cell.trim());
  return cells;
}

/**
 * The team's addresses from a file: one email per line, or a CSV whose header names an `email`
 * column. Every address is checked and normalised before any code is issued, and a duplicate (after
 * normalisation) is refused: two codes for one agent would be two live tokens nobody tracks.
 */
export function readTeam(text: string): { ok: true; agents: string[] } | { ok: false; errors: string[] } {
  const errors: string[] = [];
  const firstLine = new Map<string, number>();
  let column: number | undefined;
  let headerSeen = false;
  for (const [index, raw] of text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .entries()) {
    const n = index + 1;
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const cells = csvCells(line);
    if (!cells) {
      errors.push(`line ${n}: a quote is not closed`);
      continue;
    }
    if (!headerSeen) {
      headerSeen = true;
      const named = cells.findIndex((c) => c.toLowerCase() === 'email');
      if (named >= 0) {
        column = named;
        continue;
      }
      if (cells.length > 1) {
        errors.push(`line ${n}: several columns but no header naming an "email" column`);
        break;
      }
    }
    if (column === undefined && cells.length > 1) {
      errors.push(`line ${n}: several columns in a file of one email per line`);
      continue;
    }
    const email = cells[column ?? 0] ?? '';
    if (email === '') {
      errors.push(`line ${n}: no email`);
      continue;
    }
    const checked = agentOf(email);
    if (!checked.ok) {
      errors.push(`line ${n}: ${JSON.stringify(email.slice(0, 80))} ${checked.error}`);
      continue;
    }
    const earlier = firstLine.get(checked.agent);
    if (earlier !== undefined) errors.push(`line ${n}: ${checked.agent} is on line ${earlier} already`);
    else firstLine.set(checked.agent, n);
  }
  if (errors.length) return { ok: false, errors };
  if (firstLine.size === 0) return { ok: false, errors: ['the file names no agent'] };
  return { ok: true, agents: [...firstLine.keys()] };
}

const csvCell = (text: string) => (/[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text);

/** `email,code` lines, the header first. */
export const teamCsv = (codes: readonly IssuedCode[]) =>
  `${['email,code', ...codes.map((c) => `${csvCell(c.agent)},${c.code}`)].join('\n')}\n`;

/** Reads the team file; the error names what failed, not the file's content. */
export function readTeamFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`--csv ${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

/** Writes the codes to a new file only its owner can read; an existing file is left alone. */
export function writeCodesFile(path: string, csv: string): void {
  try {
    writeFileSync(path, csv, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new Error(`--out ${path} exists: setup codes are never written over a file; remove it or name another`);
    throw new Error(`--out ${path} cannot be written (${code ?? (err as Error).message})`);
  }
}
