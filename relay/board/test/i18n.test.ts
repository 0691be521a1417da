import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LANGS, localeFor, MESSAGES, pickLanguage, translate } from '../i18n';

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe("the board page's texts", () => {
  it('has every text in English and German, none empty, each with the same placeholders', () => {
    const keys = Object.keys(MESSAGES.en).sort();
    for (const lang of LANGS) {
      expect({ lang, keys: Object.keys(MESSAGES[lang]).sort() }).toEqual({ lang, keys });
      for (const key of keys) {
        const text = MESSAGES[lang][key as keyof typeof MESSAGES.en];
        expect({ lang, key, empty: !text.trim() }).toEqual({ lang, key, empty: false });
        expect({ lang, key, placeholders: placeholders(text) }).toEqual({
          lang,
          key,
          placeholders: placeholders(MESSAGES.en[key as keyof typeof MESSAGES.en]),
        });
      }
    }
  });

  it('has no text the page never shows (each key is named in its source)', () => {
    const dir = join(import.meta.dirname, '..');
    const source = readdirSync(dir)
      .filter((f) => /\.tsx?$/.test(f) && f !== 'i18n.ts')
      .map((f) => readFileSync(join(dir, f), 'utf8'))
      .join('\n');
    expect(Object.keys(MESSAGES.en).filter((key) => !source.includes(`'${key}'`))).toEqual([]);
  });

  it('fills in placeholders and leaves unknown ones visible', () => {
    expect(translate('en', 'shown', { shown: 3, total: 500 })).toBe('3 of 500 agents shown');
    expect(translate('de', 'shown', { shown: 3, total: 500 })).toBe('3 von 500 Agenten angezeigt');
    expect(translate('en', 'shown', { shown: 3 })).toBe('3 of {total} agents shown');
  });

  it("speaks the team lead's choice, else the browser's first language it has, else English", () => {
    expect(pickLanguage('de', ['en-US'])).toBe('de');
    expect(pickLanguage('en', ['de-DE'])).toBe('en');
    expect(pickLanguage('fr', ['de-AT', 'en'])).toBe('de');
    expect(pickLanguage(null, ['fr-FR', 'de'])).toBe('de');
    expect(pickLanguage(null, ['EN-gb'])).toBe('en');
    expect(pickLanguage(null, ['fr-FR'])).toBe('en');
    expect(pickLanguage(undefined, [])).toBe('en');
  });

  it("writes dates in the browser's own variant of the chosen language", () => {
    expect(localeFor('en', ['de-DE', 'en-US'])).toBe('en-US');
    expect(localeFor('de', ['de-CH'])).toBe('de-CH');
    expect(localeFor('de', ['en-US'])).toBe('de');
  });
});
