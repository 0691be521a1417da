// UI strings live in public/_locales (English and German); the browser picks the language.
import { browser } from './ext/native';
import type messages from '../public/_locales/en/messages.json';

export type MessageKey = keyof typeof messages;

export function t(key: MessageKey, substitutions?: string[]): string {
  return browser?.i18n?.getMessage(key, substitutions) || key;
}

/** Marks a page with the language its texts are in, so a screen reader pronounces them right. */
export function markPageLanguage(): void {
  document.documentElement.lang = browser?.i18n?.getMessage('@@ui_locale')?.replace('_', '-') || 'en';
}
