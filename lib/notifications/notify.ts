// Desktop notifications. Ids are the relay's event ids, so the browser itself refuses to
// stack a second copy, and a click knows which chat to open.
import { browser } from '../ext/native';
import { storageItem } from '../storage/item';
import { t } from '../i18n';
import { chatLink } from '../relay/chat-link';
import type { ChatNotice } from './notice';

/** Notices remembered for their click: more than are ever on screen at once. */
export const SHOWN_LIMIT = 50;

export interface NoticeOptions {
  sound: boolean;
}

// Firefox shows basic notifications only: no buttons, no requireInteraction.
const RICH_NOTIFICATIONS = !import.meta.env.FIREFOX;

/** The notices shown lately, by id: what a click opens (and what tests read back). Transient, so storage.session. */
const shownNotices = storageItem('session', 'shown-notifications', (raw) =>
  raw && typeof raw === 'object' ? (raw as Record<string, ChatNotice>) : {},
);

/** Shows several notices at once, recording them with one storage write. */
export async function showNotices(notices: ChatNotice[], options: NoticeOptions = { sound: true }): Promise<void> {
  if (!notices.length) return;
  await Promise.all(notices.map((n) => create(n, options).catch(() => undefined)));
  await shownNotices.update((shown) =>
    Object.fromEntries([...Object.entries(shown), ...notices.map((n) => [n.id, n] as const)].slice(-SHOWN_LIMIT)),
  );
}

export async function showNotice(notice: ChatNotice, options: NoticeOptions = { sound: true }): Promise<void> {
  await showNotices([notice], options);
}

async function create(notice: ChatNotice, options: NoticeOptions): Promise<void> {
  const buttons = notice.buttons ?? (notice.url ? [t('openChat')] : []);
  await browser.notifications.create(notice.id, {
    type: 'basic' as const,
    iconUrl: browser.runtime.getURL('/icon/128.png'),
    title: notice.title,
    message: notice.message,
    ...(notice.context ? { contextMessage: notice.context } : {}),
    priority: 2,
    ...(RICH_NOTIFICATIONS
      ? {
          silent: !options.sound,
          requireInteraction: notice.kind === 'assigned' || notice.kind === 'transferred',
          ...(buttons.length ? { buttons: buttons.map((title) => ({ title })) } : {}),
        }
      : {}),
  });
}

/** Clicking a chat notification (or its Open chat button) opens that conversation in SnapEngage, and only there. */
export async function openNoticeLink(notificationId: string, apiBaseUrl?: string): Promise<void> {
  const url = chatLink((await shownNotices.get())[notificationId]?.url, undefined, apiBaseUrl);
  if (url) await browser.tabs.create({ url });
  await browser.notifications.clear(notificationId);
}
