import type { BoardAgent } from '@switchboard/protocol/board';
import { displayName, STATUS_WORDS } from './board-state';
import { useServerNow } from './clock';
import { elapsed } from './format';
import type { Translate } from './i18n';

/** The only part of a row that changes every second: it alone re-renders on the page's clock. */
function Since({ since, t }: { since: number; t: Translate }) {
  const now = useServerNow();
  return <>{elapsed(now - since, t)}</>;
}

interface Props {
  agent: BoardAgent;
  /** A new function when the language changes. */
  t: Translate;
}

/**
 * One agent's row. Board.tsx renders it through pure(): an `agent` frame replaces one row object
 * (board-state.ts), so the other rows get the props they had and skip rendering.
 */
export function BoardRow({ agent: a, t }: Props) {
  const name = displayName(a);
  return (
    <tr data-testid="board-row" data-agent={a.agent} data-status={a.status}>
      <th scope="row" class="agent">
        <span class="agent__name">{name}</span>
        {name !== a.agent && <span class="agent__email">{a.agent}</span>}
      </th>
      <td data-testid="status" class={`status status--${a.status}`}>
        <span class="status__mark" aria-hidden="true" />
        {t(STATUS_WORDS[a.status])}
      </td>
      <td data-testid="reason">{a.status === 'pause' ? a.substatus || t('noReason') : ''}</td>
      <td data-testid="since" class="num">
        {a.since === undefined || a.status === 'unknown' ? t('none') : <Since since={a.since} t={t} />}
      </td>
      <td data-testid="open-chats" class="num">
        {a.openChats}
      </td>
      <td data-testid="connected" class={a.connected ? 'conn conn--yes' : 'conn conn--no'}>
        <span class="conn__mark" aria-hidden="true" />
        {a.connected ? t('connected') : t('notConnected')}
      </td>
    </tr>
  );
}
