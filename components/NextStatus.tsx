import { sendMessage } from '@/lib/messaging/client';
import type { NextStatus as Next } from '@/lib/automation/state';
import { describeStatus } from '@/lib/status/state';

/** "Pause after this chat": offered while chats are open; applied when the last one closes. */
export function NextStatus({ next, reason }: { next: Next | undefined; reason: string | undefined }) {
  const set = (value: Next | null) => void sendMessage('setNextStatus', { next: value });
  return (
    <div class="next" data-testid="next-status">
      {next ? (
        <>
          <span>After my chats close: {describeStatus(next.status, next.substatus)}</span>
          <button type="button" class="link" onClick={() => set(null)}>
            Cancel
          </button>
        </>
      ) : (
        <button type="button" class="btn" onClick={() => set({ status: 'pause', substatus: reason })}>
          Pause after my open chats{reason ? ` · ${reason}` : ''}
        </button>
      )}
    </div>
  );
}
