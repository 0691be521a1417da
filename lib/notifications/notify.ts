// Desktop notifications. Ids are the relay's event ids, so the browser itself refuses to
// stack a second copy, and a click knows which chat to open.
import { browser } from 'wxt/browser';
import { storageItem } from '../storage/item';

const LINK_LIMIT = 50;
/** notification id -> chat URL to open on click; transient, so storage.session. */
export const notificationLinks = storageItem('session', 'notification-links', (raw) =>
  raw && typeof raw === 'object' ? (raw as Record<string, string>) : {},
);

export interface ChatNotice {
  id: string;
  title: string;
  message: string;
  context?: string;
  url?: string;
}

export async function showNotice(notice: ChatNotice): Promise<void> {
  await browser.notifications.create(notice.id, {
    type: 'basic',
    iconUrl: browser.runtime.getURL('/icon/128.png'),
    title: notice.title,
    message: notice.message,
    ...(notice.context ? { contextMessage: notice.context } : {}),
    priority: 2,
  });
  if (notice.url) {
    const url = notice.url;
    await notificationLinks.update((links) => Object.fromEntries([...Object.entries(links), [notice.id, url]].slice(-LINK_LIMIT)));
  }
}

/** Clicking a chat notification opens that conversation in SnapEngage. */
export async function openNoticeLink(notificationId: string): Promise<void> {
  const url = (await notificationLinks.get())[notificationId];
  if (url && /^https?:\/\//.test(url)) await browser.tabs.create({ url });
  await browser.notifications.clear(notificationId);
}
