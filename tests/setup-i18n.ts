// The fake browser has no i18n: answer getMessage from the English messages, as Chromium does.
// A test can switch to German with `speak(de)` (and back with `speak(en)`).
import { fakeBrowser } from 'wxt/testing';
import en from '../public/_locales/en/messages.json';

type Messages = Record<string, { message: string }>;

export function speak(messages: Messages): void {
  (fakeBrowser as unknown as { i18n: { getMessage: (key: string, subs?: string | string[]) => string } }).i18n.getMessage = (key, subs) => {
    const list = subs === undefined ? [] : Array.isArray(subs) ? subs : [subs];
    return (messages[key]?.message ?? '').replace(/\$(\d)/g, (_, n: string) => list[Number(n) - 1] ?? '');
  };
}

speak(en);
