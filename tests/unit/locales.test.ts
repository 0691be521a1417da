import { describe, expect, it } from 'vitest';
import en from '../../public/_locales/en/messages.json';
import de from '../../public/_locales/de/messages.json';

describe('locales', () => {
  it('German has every English string, and nothing is left empty', () => {
    expect(Object.keys(de).sort()).toEqual(Object.keys(en).sort());
    for (const [key, value] of Object.entries(de)) expect(value.message, key).not.toBe('');
  });
});
