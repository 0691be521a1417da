import { describe, expect, it } from 'vitest';
import { decodeSetupCode } from '@switchboard/protocol/setup-code';
import { verifyRelayToken } from '../src/auth';
import { issueSetupCode, readTeam, relayWebsocketUrl, teamCsv } from '../src/setup-code-cli';

const SECRET = 's'.repeat(64);

describe('setup codes for a team', () => {
  it("carry the relay's websocket URL: wss for https, a path prefix kept, ws only for a loopback http URL", () => {
    expect(relayWebsocketUrl('https://relay.example.com')).toBe('wss://relay.example.com/ws');
    expect(relayWebsocketUrl('https://example.com/switchboard/')).toBe('wss://example.com/switchboard/ws');
    expect(relayWebsocketUrl('wss://relay.example.com/ws')).toBe('wss://relay.example.com/ws');
    expect(relayWebsocketUrl('http://127.0.0.1:8787')).toBe('ws://127.0.0.1:8787/ws');
    const issued = issueSetupCode(SECRET, 'http://127.0.0.1:8787', 'ＢＯＢ@example.com', 'never');
    const decoded = decodeSetupCode(issued.code);
    expect(decoded).toMatchObject({ ok: true, code: { relay: 'ws://127.0.0.1:8787/ws', agent: 'bob@example.com' } });
    if (decoded.ok) expect(verifyRelayToken(SECRET, decoded.code.token)).toMatchObject({ ok: true, agent: 'bob@example.com' });
    expect(issued.expires).toBe('never');
  });

  it('reads one email per line, or the email column of a CSV (quoted cells, BOM, CRLF, comments and blank lines)', () => {
    expect(readTeam('alice@example.com\n\n# on leave: dave@example.com\nBob@Example.com\n')).toEqual({
      ok: true,
      agents: ['alice@example.com', 'bob@example.com'],
    });
    expect(readTeam('\uFEFFName,Team,EMAIL\r\n"Doe, Alice","A ""1""",alice@example.com\r\nCarol,B,"carol@example.com"\r\n')).toEqual({
      ok: true,
      agents: ['alice@example.com', 'carol@example.com'],
    });
    expect(readTeam('email\nalice@example.com\n')).toEqual({ ok: true, agents: ['alice@example.com'] });
  });

  it('refuses the whole file for any bad line, naming each: not an address, a duplicate, a formula, a broken quote, no email column', () => {
    expect(
      readTeam(
        'name,email\nAlice,alice@example.com\nBob,\n"Carol,carol@example.com\nDave,=cmd@example.com\nEve,ALICE@example.com\nFay,fay@localhost\n',
      ),
    ).toEqual({
      ok: false,
      errors: [
        'line 3: no email',
        'line 4: a quote is not closed',
        'line 5: "=cmd@example.com" starts with =, +, - or @ (a spreadsheet would run it as a formula)',
        'line 6: alice@example.com is on line 2 already',
        'line 7: "fay@localhost" is not an email address',
      ],
    });
    expect(readTeam('name,mail\nAlice,alice@example.com\n')).toEqual({
      ok: false,
      errors: ['line 1: several columns but no header naming an "email" column'],
    });
    expect(readTeam('alice@example.com\nbob@example.com,extra\n')).toEqual({
      ok: false,
      errors: ['line 2: several columns in a file of one email per line'],
    });
    expect(readTeam('# nobody yet\n\n')).toEqual({ ok: false, errors: ['the file names no agent'] });
  });

  it('writes email,code with a header, quoting a cell only when CSV needs it', () => {
    const codes = [
      { agent: 'alice@example.com', code: 'sbsetup1.A', jti: 'j1', expires: 'never', beyondAscii: [] },
      { agent: '"a,b"@example.com', code: 'sbsetup1.B', jti: 'j2', expires: 'never', beyondAscii: [] },
    ];
    expect(teamCsv(codes)).toBe('email,code\nalice@example.com,sbsetup1.A\n"""a,b""@example.com",sbsetup1.B\n');
  });
});
