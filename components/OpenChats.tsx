import type { OpenChat } from '@/lib/relay/state';
import { formatDuration } from '@/lib/duration';
import { t } from '@/lib/i18n';
import { chatLink } from '@/lib/relay/chat-link';

/** `apiBaseUrl`: the API host the extension is set up with, whose https:// links count as SnapEngage's. */
export function OpenChats({ chats, now, apiBaseUrl }: { chats: OpenChat[]; now: number; apiBaseUrl?: string }) {
  if (!chats.length) return null;
  return (
    <section class="chats" aria-label={t('ariaOpenChats')}>
      <h2>{t('openChats', [String(chats.length)])}</h2>
      <ul data-testid="open-chats">
        {chats.map((c) => {
          // The worker stored only SnapEngage links; checked again here for chats stored before it did.
          const url = chatLink(c.url, c.conversationId, apiBaseUrl);
          return (
            <li key={c.conversationId}>
              {url ? (
                <a href={url} target="_blank" rel="noreferrer">
                  {c.visitor}
                </a>
              ) : (
                c.visitor
              )}
              <span class="chats__age"> · {formatDuration(now - c.assignedAt, 'minutes')}</span>
              {c.question && <div class="chats__question">{c.question}</div>}
            </li>
          );
        })}
      </ul>
    </section>
  );
}
