// Ids derived from content, so that a redelivery (the same webhook, call event, notice or
// quarantined body sent again) gets the same id and is stored, forwarded and sent once.
import { hash } from 'node:crypto';

/** `<prefix>-` and the first 32 hex digits of the SHA-256 of `input` (one-shot hash: no Hash object per call). */
export function contentId(prefix: string, input: string | Uint8Array): string {
  return `${prefix}-${hash('sha256', input, 'hex').slice(0, 32)}`;
}

/** Parts joined with `|` (an absent part as empty), hashed into a content id. */
export const contentIdOf = (prefix: string, parts: ReadonlyArray<string | number | undefined>): string =>
  contentId(prefix, parts.map((p) => p ?? '').join('|'));
