// The chosen language's texts, handed to every component through context: a language switch
// re-renders what reads them, nothing else has to pass them down.
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import { type Lang, type Translate, translate } from './i18n';

interface Texts {
  lang: Lang;
  /** For dates and numbers (Intl). */
  locale: string;
  t: Translate;
}

export function textsFor(lang: Lang, locale: string): Texts {
  return { lang, locale, t: (key, params) => translate(lang, key, params) };
}

export const TextsContext = createContext<Texts>(textsFor('en', 'en'));

export const useTexts = (): Texts => useContext(TextsContext);
