import { describe, expect, it } from 'vitest';
import en from '../../public/_locales/en/messages.json';
import de from '../../public/_locales/de/messages.json';

describe('locales', () => {
  it('German has every English string, and nothing is left empty', () => {
    expect(Object.keys(de).sort()).toEqual(Object.keys(en).sort());
    for (const [key, value] of Object.entries(de)) expect(value.message, key).not.toBe('');
  });

  it('German fills the same blanks ($1, $2) as English', () => {
    const blanks = (m: string) => [...new Set(m.match(/\$\d/g) ?? [])].sort();
    const english = en as Record<string, { message: string }>;
    for (const [key, value] of Object.entries(de)) expect(blanks(value.message), key).toEqual(blanks(english[key]!.message));
  });
});
