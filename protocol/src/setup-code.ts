// One setup code per agent: IT prints it (`switchboard-relay token --setup-code <email>`, or
// `--csv` for a team), the agent pastes it once. It carries the relay's websocket URL, the agent's
// relay token and email — a credential, handed over like a password. With relay mode and a managed
// policy it is the only thing an agent ever types.
import * as z from 'zod/mini';
import { isSafeRelayUrl } from './safe-url';

export const SETUP_CODE_PREFIX = 'sbsetup1.';

export const SetupCode = z.strictObject({
  v: z.literal(1),
  /** The relay's websocket URL (`wss://relay.example.com/ws`). */
  relay: z.string().check(z.maxLength(500), z.refine(isSafeRelayUrl, 'must be a wss:// URL (ws:// only to this machine)')),
  /** The agent's relay token (`sb1.…`). */
  token: z.string().check(z.minLength(10), z.maxLength(4096)),
  /** The agent's email, as SnapEngage knows them. */
  agent: z.string().check(z.regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/), z.maxLength(254)),
});
export type SetupCode = z.infer<typeof SetupCode>;

export function encodeSetupCode(code: SetupCode): string {
  return SETUP_CODE_PREFIX + base64url(utf8(JSON.stringify(SetupCode.parse(code))));
}

export type SetupCodeResult = { ok: true; code: SetupCode } | { ok: false; error: 'not-a-code' | 'damaged' | 'invalid' };

/** Reads a pasted code; whitespace and line breaks a mail client added are ignored. */
export function decodeSetupCode(pasted: string): SetupCodeResult {
  const text = pasted.replace(/\s+/g, '');
  if (!text.startsWith(SETUP_CODE_PREFIX)) return { ok: false, error: 'not-a-code' };
  let json: unknown;
  try {
    json = JSON.parse(fromUtf8(fromBase64url(text.slice(SETUP_CODE_PREFIX.length))));
  } catch {
    return { ok: false, error: 'damaged' };
  }
  const parsed = SetupCode.safeParse(json);
  return parsed.success ? { ok: true, code: parsed.data } : { ok: false, error: 'invalid' };
}

// The protocol has neither DOM nor Node globals (no btoa, no Buffer, no TextEncoder types):
// UTF-8 and base64url by hand, small and exact.
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

function utf8(text: string): number[] {
  const out: number[] = [];
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (c < 0x80) out.push(c);
    else if (c < 0x8_00) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x1_00_00) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return out;
}

function fromUtf8(bytes: number[]): string {
  let out = '';
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i]!;
    const need = b < 0x80 ? 0 : b >= 0xf0 ? 3 : b >= 0xe0 ? 2 : b >= 0xc0 ? 1 : -1;
    if (need < 0 || i + need >= bytes.length) throw new Error('bad UTF-8');
    let c = need === 0 ? b : b & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const next = bytes[i + k]!;
      if ((next & 0xc0) !== 0x80) throw new Error('bad UTF-8');
      c = (c << 6) | (next & 63);
    }
    out += String.fromCodePoint(c);
    i += need + 1;
  }
  return out;
}

function base64url(bytes: number[]): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    const chars = i + 2 < bytes.length ? 4 : i + 1 < bytes.length ? 3 : 2;
    for (let k = 0; k < chars; k++) out += ALPHABET[(n >> (18 - 6 * k)) & 63];
  }
  return out;
}

function fromBase64url(text: string): number[] {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) throw new Error('bad base64url');
  const out: number[] = [];
  for (let i = 0; i < text.length; i += 4) {
    const chunk = text.slice(i, i + 4);
    let n = 0;
    for (let k = 0; k < 4; k++) n = (n << 6) | (k < chunk.length ? ALPHABET.indexOf(chunk[k]!) : 0);
    out.push((n >> 16) & 255);
    if (chunk.length > 2) out.push((n >> 8) & 255);
    if (chunk.length > 3) out.push(n & 255);
  }
  return out;
}
