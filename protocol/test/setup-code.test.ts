import { describe, expect, it } from 'vitest';
import { decodeSetupCode, encodeSetupCode } from '../src/setup-code';
import { isSafeRelayUrl } from '../src/safe-url';

const code = {
  v: 1 as const,
  relay: 'wss://relay.example.com/ws',
  token: 'sb1.eyJzdWIiOiJhbGljZUBleGFtcGxlLmNvbSJ9.sig',
  agent: 'alice@example.com',
};

describe('setup codes', () => {
  it('round-trip, also through a mail client that wrapped the line and added spaces', () => {
    const text = encodeSetupCode(code);
    expect(text).toMatch(/^sbsetup1\.[A-Za-z0-9_-]+$/);
    expect(decodeSetupCode(text)).toEqual({ ok: true, code });
    const wrapped = `  ${text.slice(0, 40)}\n${text.slice(40, 90)} \r\n${text.slice(90)}  `;
    expect(decodeSetupCode(wrapped)).toEqual({ ok: true, code });
  });

  it('carry any email, non-ASCII included, byte for byte', () => {
    const other = { ...code, agent: 'zoë.ñúñez@例え.jp' };
    expect(decodeSetupCode(encodeSetupCode(other))).toEqual({ ok: true, code: other });
  });

  it('say what is wrong with a paste that is not one', () => {
    expect(decodeSetupCode('sb1.some-relay-token')).toEqual({ ok: false, error: 'not-a-code' });
    expect(decodeSetupCode('sbsetup1.!!!')).toEqual({ ok: false, error: 'damaged' });
    expect(decodeSetupCode(encodeSetupCode(code).slice(0, -7))).toEqual({ ok: false, error: 'damaged' });
    const plain = `sbsetup1.${btoa(JSON.stringify({ ...code, relay: 'ws://relay.example.com/ws' }))
      .replaceAll('+', '-')
      .replaceAll('/', '_')
      .replaceAll('=', '')}`;
    expect(decodeSetupCode(plain)).toEqual({ ok: false, error: 'invalid' });
  });

  it('accept only a wss:// relay, or ws:// to this machine, without credentials in the URL', () => {
    expect(isSafeRelayUrl('wss://relay.example.com/ws')).toBe(true);
    expect(isSafeRelayUrl('ws://127.0.0.1:8787/ws')).toBe(true);
    expect(isSafeRelayUrl('ws://localhost:8787/ws')).toBe(true);
    expect(isSafeRelayUrl('ws://[::1]:8787/ws')).toBe(true);
    expect(isSafeRelayUrl('ws://relay.example.com/ws')).toBe(false);
    expect(isSafeRelayUrl('wss://u:p@relay.example.com/ws')).toBe(false);
    expect(isSafeRelayUrl('https://relay.example.com/ws')).toBe(false);
    expect(isSafeRelayUrl('not a url')).toBe(false);
  });
});
