import { useState } from 'preact/hooks';
import { sendMessage } from '@/lib/messaging/client';
import type { TodayStats } from '@/lib/stats/today';
import type { Confirmed } from '@/lib/status/state';
import { describeStatus, sourceWords } from '@/lib/status/view';
import { startOfDay } from '@/lib/stats/day';
import { formatDuration } from '@/lib/duration';
import { clockTime } from './format';
import { t } from '@/lib/i18n';

/** Today's changes (from this browser's history) and numbers (chats from the relay), loaded when opened. */
export function Today({ history, now }: { history: Confirmed[]; now: number }) {
  const [stats, setStats] = useState<TodayStats | undefined>();
  const today = history.filter((h) => h.since >= startOfDay(now)).reverse();
  const load = (open: boolean) => open && !stats && void sendMessage('todayStats', {}).then(setStats, () => undefined);
  return (
    <details class="today" onToggle={(e) => load(e.currentTarget.open)}>
      <summary>{t('today')}</summary>
      {stats && (
        <dl class="today__numbers" data-testid="today-numbers">
          <dt>{t('chatsHandled')}</dt>
          <dd>{stats.relayNote ? '—' : stats.chatsHandled}</dd>
          <dt>{t('averageHandling')}</dt>
          <dd>{stats.averageHandlingMs === null ? '—' : formatDuration(stats.averageHandlingMs, 'minutes')}</dd>
          {Object.entries(stats.pausedMs).map(([reason, ms]: [string, number]) => (
            <>
              <dt>{reason ? t('statusPausedReason', [reason]) : t('statusPaused')}</dt>
              <dd>{formatDuration(ms, 'minutes')}</dd>
            </>
          ))}
        </dl>
      )}
      {stats?.relayNote && <p class="today__note">{stats.relayNote}</p>}
      <ol class="today__changes" data-testid="today-changes">
        {today.slice(0, 12).map((h) => (
          <li key={h.since}>
            <time>{clockTime(h.since)}</time> {describeStatus(h.status, h.substatus)}{' '}
            <span class="today__source">· {sourceWords(h.source)}</span>
          </li>
        ))}
        {!today.length && <li>{t('noChangesToday')}</li>}
      </ol>
    </details>
  );
}
