import { useMemo, useState } from 'preact/hooks';
import { BOARD_STATUSES } from '@switchboard/protocol/board';
import {
  type BoardFilter,
  type BoardState,
  countByStatus,
  NO_FILTER,
  nameRanks,
  reasonsPresent,
  STATUS_WORDS,
  visibleRows,
} from './board-state';
import { BoardRow } from './BoardRow';
import { pure } from './pure';
import { useTexts } from './texts';

/** With 500 agents an update renders one row, not 500: the rows whose object did not change skip rendering. */
const Row = pure(BoardRow);

/** The reason filter's <select> values: one that no reason can be, and reasons behind a prefix ('' is a reason too). */
const ANY_REASON = 'any';
const reasonValue = (reason: string) => `r:${reason}`;

/** The live board: counts per status (which double as the status filter), the reason and text filters, the table. */
export function Board({ state, stale }: { state: BoardState | undefined; stale: boolean }) {
  const { t, locale } = useTexts();
  const [filter, setFilter] = useState<BoardFilter>(NO_FILTER);
  const collator = useMemo(() => new Intl.Collator(locale, { sensitivity: 'base', numeric: true }), [locale]);
  // Not on every status change: the order by name changes only when a name does or the team grows.
  // biome-ignore lint/correctness/useExhaustiveDependencies: keyed on names and team size on purpose (see above)
  const ranks = useMemo(() => nameRanks(state?.agents.values() ?? [], collator), [state?.names, state?.agents.size, collator]);
  if (!state) {
    return (
      <p class="muted" data-testid="board-loading">
        {t('connConnecting')}
      </p>
    );
  }
  const all = [...state.agents.values()];
  const counts = countByStatus(all);
  const reasons = reasonsPresent(all);
  const rows = visibleRows(all, filter, ranks);
  const set = (change: Partial<BoardFilter>) => setFilter({ ...filter, ...change });
  const filtered = filter.status !== 'all' || filter.reason !== undefined || filter.text !== '';

  return (
    <section class={stale ? 'board board--stale' : 'board'} aria-labelledby="board-title" data-testid="board">
      <h2 id="board-title" class="visually-hidden">
        {t('navBoard')}
      </h2>
      <fieldset class="counts">
        <legend class="visually-hidden">{t('countsLabel')}</legend>
        <button
          type="button"
          class="btn count count--all"
          aria-pressed={filter.status === 'all'}
          data-testid="count-all"
          onClick={() => set({ status: 'all' })}
        >
          <span class="count__n">{all.length}</span>
          <span class="count__word">{t('countAll')}</span>
        </button>
        {BOARD_STATUSES.map((status) => (
          <button
            type="button"
            key={status}
            class={`btn count count--${status}`}
            aria-pressed={filter.status === status}
            data-testid={`count-${status}`}
            onClick={() => set({ status: filter.status === status ? 'all' : status })}
          >
            <span class="count__n">{counts[status]}</span>
            <span class="count__word">
              <span class="status__mark" aria-hidden="true" />
              {t(STATUS_WORDS[status])}
            </span>
          </button>
        ))}
      </fieldset>
      <div class="filters">
        <div class="field">
          <label for="filter-reason">{t('filterReason')}</label>
          <select
            id="filter-reason"
            data-testid="filter-reason"
            value={filter.reason === undefined ? ANY_REASON : reasonValue(filter.reason)}
            onChange={(e) => {
              const value = e.currentTarget.value;
              set({ reason: value === ANY_REASON ? undefined : value.slice(reasonValue('').length) });
            }}
          >
            <option value={ANY_REASON}>{t('anyReason')}</option>
            {/* A reason chosen before its last agent came back stays choosable, so the select never jumps. */}
            {[...new Set([...reasons, ...(filter.reason === undefined ? [] : [filter.reason])])].map((reason) => (
              <option key={reason} value={reasonValue(reason)}>
                {reason || t('noReason')}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="filter-text">{t('filterText')}</label>
          <input
            id="filter-text"
            type="search"
            data-testid="filter-text"
            value={filter.text}
            placeholder={t('filterTextPlaceholder')}
            autocomplete="off"
            spellcheck={false}
            onInput={(e) => set({ text: e.currentTarget.value })}
          />
        </div>
        <button type="button" class="btn" disabled={!filtered} onClick={() => setFilter(NO_FILTER)}>
          {t('clearFilters')}
        </button>
      </div>
      {stale && (
        <p class="warning" data-testid="board-stale">
          {t('staleBoard')}
        </p>
      )}
      <div class="table-wrap">
        <table class="board-table">
          <caption class="muted" data-testid="shown">
            {t('shown', { shown: rows.length, total: all.length })}
          </caption>
          <thead>
            <tr>
              <th scope="col">{t('colAgent')}</th>
              <th scope="col">{t('colStatus')}</th>
              <th scope="col">{t('colReason')}</th>
              <th scope="col" class="num">
                {t('colFor')}
              </th>
              <th scope="col" class="num">
                {t('colOpenChats')}
              </th>
              <th scope="col">{t('colExtension')}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((agent) => (
              <Row key={agent.agent} agent={agent} t={t} />
            ))}
          </tbody>
        </table>
      </div>
      {!all.length && <p class="empty">{t('noAgents')}</p>}
      {all.length > 0 && !rows.length && <p class="empty">{t('noMatch')}</p>}
      <p class="muted" data-testid="board-retention">
        {t('boardRetention', { days: state.retentionDays })}
      </p>
    </section>
  );
}
