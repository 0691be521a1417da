// The fake browser has no i18n: answer getMessage from the English messages, as Chromium does.
import { fakeBrowser } from 'wxt/testing';
import en from '../../public/_locales/en/messages.json';

const messages = en as Record<string, { message: string }>;
(fakeBrowser as unknown as { i18n: { getMessage: (key: string, subs?: string | string[]) => string } }).i18n.getMessage = (key, subs) => {
  const list = subs === undefined ? [] : Array.isArray(subs) ? subs : [subs];
  return (messages[key]?.message ?? '').replace(/\$(\d)/g, (_, n: string) => list[Number(n) - 1] ?? '');
};
