import type { OpenChat } from '@/lib/relay/state';
import { formatDuration } from '@/lib/duration';
import { t } from '@/lib/i18n';

export function OpenChats({ chats, now }: { chats: OpenChat[]; now: number }) {
  if (!chats.length) return null;
  return (
    <section class="chats" aria-label={t('ariaOpenChats')}>
      <h2>{t('openChats', [String(chats.length)])}</h2>
      <ul data-testid="open-chats">
        {chats.map((c) => (
          <li key={c.conversationId}>
            {c.url ? (
              <a href={c.url} target="_blank" rel="noreferrer">
                {c.visitor}
              </a>
            ) : (
              c.visitor
            )}
            <span class="chats__age"> · {formatDuration(now - c.assignedAt, 'minutes')}</span>
            {c.question && <div class="chats__question">{c.question}</div>}
          </li>
        ))}
      </ul>
    </section>
  );
}
