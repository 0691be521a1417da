import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { TEST_EXTENSION_ID, TEST_EXTENSION_KEY } from '../extension-key';

describe('the test and demo builds’ stable extension id', () => {
  it('is the id Chrome derives from the key: the first 32 hex digits of its SHA-256, written a–p', () => {
    const hex = createHash('sha256').update(Buffer.from(TEST_EXTENSION_KEY, 'base64')).digest('hex').slice(0, 32);
    expect([...hex].map((h) => String.fromCharCode(97 + Number.parseInt(h, 16))).join('')).toBe(TEST_EXTENSION_ID);
  });
});
