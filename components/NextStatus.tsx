import { sendMessage } from '@/lib/messaging/client';
import type { NextStatus as Next } from '@/lib/automation/state';
import { describeStatus } from '@/lib/status/view';
import { t } from '@/lib/i18n';

/** "Pause after this chat": offered while chats are open; applied when the last one closes. */
export function NextStatus({ next, reason }: { next: Next | undefined; reason: string | undefined }) {
  const set = (value: Next | null) => void sendMessage('setNextStatus', { next: value });
  return (
    <div class="next" data-testid="next-status">
      {next ? (
        <>
          <span>{t('afterChatsClose', [describeStatus(next.status, next.substatus)])}</span>
          <button type="button" class="link" onClick={() => set(null)}>
            {t('cancel')}
          </button>
        </>
      ) : (
        <button type="button" class="btn" onClick={() => set({ status: 'pause', substatus: reason })}>
          {t('pauseAfterChats')}
          {reason ? ` · ${reason}` : ''}
        </button>
      )}
    </div>
  );
}
