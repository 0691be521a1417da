// One spelling per agent, wherever an address comes from: the operator issuing a relay token,
// SnapEngage's webhooks, the phone system's call events. Every side calls this, so they agree.

/**
 * NFKC, then lower case, then trimmed. Compatibility forms (fullwidth `ａ`, the fullwidth `＠`,
 * ligatures, the Kelvin sign) become the characters they stand for: a token issued for
 * `ａlice@example.com` is Alice's, just as a webhook addressed that way reaches her. A look-alike
 * NFKC does not fold (the Cyrillic `а` of `аlice@example.com`) stays another address, so a token
 * for it reads that address's stream, never Alice's.
 */
export function normalizeAgentId(id: string): string {
  return id.normalize('NFKC').toLowerCase().trim();
}
