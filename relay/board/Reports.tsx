import type { ComponentChildren } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { type AgentReport, REPORT_MAX_DAYS, type Report, type ReportQuery, type ReportSection } from '@switchboard/protocol/board';
import { downloadCsv, fetchReport, RelayError } from './api';
import { BarChart, ColumnChart } from './BarChart';
import { dateTime, dayCount, decimal, hourSpan, hoursMinutes, hoursMinutesSeconds, isTimeZone, localDate } from './format';
import { useTexts } from './texts';

interface Props {
  token: string;
  /** The view is on screen: the first time it is, today's report loads by itself. */
  active: boolean;
  /** Agent email → name, from the live board (reports carry emails only). */
  names: ReadonlyMap<string, string>;
  /** A sentence for the page's error area; undefined clears it. */
  onProblem: (message: string | undefined) => void;
  onRefused: (reason: 'unauthorized' | 'forbidden') => void;
}

interface Shown {
  query: ReportQuery;
  report: Report;
}

function browserTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

function timeZones(): string[] {
  try {
    return Intl.supportedValuesOf('timeZone');
  } catch {
    return [];
  }
}

/** Reports for a period and time zone: the form, then per agent, per reason and per hour, each a chart, a table and a CSV download. */
export function Reports({ token, active, names, onProblem, onRefused }: Props) {
  const { t } = useTexts();
  const zone = useMemo(browserTimeZone, []);
  const zones = useMemo(timeZones, []);
  const [from, setFrom] = useState(() => localDate(Date.now(), zone));
  const [to, setTo] = useState(() => localDate(Date.now(), zone));
  const [tz, setTz] = useState(zone);
  const [shown, setShown] = useState<Shown>();
  const [busy, setBusy] = useState(false);
  const [downloading, setDownloading] = useState<ReportSection>();
  /** Only the latest request's answer is shown (a slow answer to an older one is dropped). */
  const latest = useRef(0);
  const opened = useRef(false);

  const fail = (err: unknown) => {
    if (!(err instanceof RelayError)) return onProblem(err instanceof Error ? err.message : String(err));
    if (err.kind === 'unauthorized' || err.kind === 'forbidden') return onRefused(err.kind);
    if (err.kind === 'unreachable') return onProblem(t('errUnreachableReport'));
    if (err.kind === 'invalid') return onProblem(t('errInvalidReport'));
    return onProblem(t('errFailed', { status: err.status ?? '', message: err.message }));
  };

  const load = async () => {
    if (!(from && to) || to < from) return onProblem(t('errBadDates'));
    if (dayCount(from, to) > REPORT_MAX_DAYS) return onProblem(t('errTooManyDays', { days: REPORT_MAX_DAYS }));
    const zoneName = tz.trim();
    if (!isTimeZone(zoneName)) return onProblem(t('errBadTimeZone', { tz: zoneName }));
    const query: ReportQuery = { from, to, tz: zoneName };
    const id = ++latest.current;
    setBusy(true);
    try {
      const report = await fetchReport(query, token);
      if (id !== latest.current) return;
      setShown({ query, report });
      onProblem(undefined);
    } catch (err) {
      if (id === latest.current) fail(err);
    } finally {
      if (id === latest.current) setBusy(false);
    }
  };

  const csv = async (section: ReportSection) => {
    if (!shown) return;
    setDownloading(section);
    try {
      await downloadCsv(shown.query, section, token);
      onProblem(undefined);
    } catch (err) {
      fail(err);
    } finally {
      setDownloading(undefined);
    }
  };

  // biome-ignore lint/correctness/useExhaustiveDependencies: once, the first time the view opens; load() reads the form as it is then
  useEffect(() => {
    if (!active || opened.current) return;
    opened.current = true;
    void load();
  }, [active]);

  return (
    <section class="reports" aria-labelledby="reports-title" hidden={!active}>
      <h2 id="reports-title">{t('navReports')}</h2>
      <form
        class="report-form"
        onSubmit={(e) => {
          e.preventDefault();
          void load();
        }}
      >
        <div class="field">
          <label for="report-from">{t('from')}</label>
          <input id="report-from" type="date" required value={from} onInput={(e) => setFrom(e.currentTarget.value)} />
        </div>
        <div class="field">
          <label for="report-to">{t('to')}</label>
          <input id="report-to" type="date" required value={to} onInput={(e) => setTo(e.currentTarget.value)} />
        </div>
        <div class="field">
          <label for="report-tz">{t('timeZone')}</label>
          <input
            id="report-tz"
            type="text"
            list="time-zones"
            required
            value={tz}
            autocomplete="off"
            spellcheck={false}
            onInput={(e) => setTz(e.currentTarget.value)}
          />
          <datalist id="time-zones">
            {zones.map((z) => (
              <option key={z} value={z} />
            ))}
          </datalist>
        </div>
        <button type="submit" class="btn btn--primary" data-testid="show-report" disabled={busy}>
          {t('show')}
        </button>
      </form>
      <p class="muted" role="status" data-testid="report-status">
        {busy ? t('loading') : ''}
      </p>
      {shown && <ReportView report={shown.report} names={names} downloading={downloading} onCsv={(s) => void csv(s)} />}
    </section>
  );
}

interface ViewProps {
  report: Report;
  names: ReadonlyMap<string, string>;
  downloading: ReportSection | undefined;
  onCsv: (section: ReportSection) => void;
}

function ReportView({ report, names, downloading, onCsv }: ViewProps) {
  const { t, locale } = useTexts();
  const { tz } = report;
  const reasonWord = (reason: string) => reason || t('noReason');
  const nameOf = (agent: string) => names.get(agent) || agent;
  const when = (at: number | null) => (at === null ? t('none') : dateTime(at, tz, locale));
  const handling = (ms: number | null) => (ms === null ? t('none') : hoursMinutesSeconds(ms));
  const section = (id: ReportSection, title: string, children: ComponentChildren) => (
    <ReportPart id={id} title={title} busy={downloading === id} onCsv={() => onCsv(id)}>
      {children}
    </ReportPart>
  );

  return (
    <div class="report" data-testid="report">
      <p class="report__period" data-testid="report-period">
        {t('reportPeriod', { from: report.from, to: report.to, tz })}
      </p>
      <p data-testid="retention">{t('retention', { days: report.retention.days })}</p>
      {report.retention.cut && (
        <p class="warning" data-testid="retention-cut">
          {t('retentionCut', { date: dateTime(report.retention.keptSince, tz, locale) })}
        </p>
      )}
      <p class="muted">{t('durationsNote')}</p>

      {section(
        'agents',
        t('sectionAgents'),
        <>
          {report.agents.length > 0 && (
            <BarChart
              title={t('chartChats')}
              bars={report.agents.map((a) => ({
                key: a.agent,
                label: nameOf(a.agent),
                value: a.chatsHandled,
                text: String(a.chatsHandled),
              }))}
            />
          )}
          <div class="table-wrap">
            <table class="report-table" data-testid="report-agents">
              <thead>
                <tr>
                  <th scope="col">{t('colAgent')}</th>
                  <th scope="col" class="num">
                    {t('colChats')}
                  </th>
                  <th scope="col" class="num">
                    {t('colMedian')}
                  </th>
                  <th scope="col" class="num">
                    {t('colP90')}
                  </th>
                  <th scope="col" class="num">
                    {t('colOnline')}
                  </th>
                  <th scope="col" class="num">
                    {t('colPaused')}
                  </th>
                  <th scope="col">{t('colPausedBy')}</th>
                  <th scope="col">{t('colFirst')}</th>
                  <th scope="col">{t('colLast')}</th>
                </tr>
              </thead>
              <tbody>
                {report.agents.map((a: AgentReport) => (
                  <tr key={a.agent} data-agent={a.agent}>
                    <th scope="row" class="agent">
                      <span class="agent__name">{nameOf(a.agent)}</span>
                      {names.has(a.agent) && <span class="agent__email">{a.agent}</span>}
                    </th>
                    <td class="num" data-col="chats">
                      {a.chatsHandled}
                    </td>
                    <td class="num" data-col="median">
                      {handling(a.medianHandlingMs)}
                    </td>
                    <td class="num" data-col="p90">
                      {handling(a.p90HandlingMs)}
                    </td>
                    <td class="num" data-col="online">
                      {hoursMinutes(a.onlineMs)}
                    </td>
                    <td class="num" data-col="paused">
                      {hoursMinutes(a.pausedMs)}
                    </td>
                    <td data-col="paused-by-reason">
                      <ul class="pairs">
                        {Object.entries(a.pausedByReason)
                          .sort(([, x], [, y]) => y - x)
                          .map(([reason, ms]) => (
                            <li key={reason} data-reason={reason}>
                              <span>{reasonWord(reason)}</span>
                              <span class="num">{hoursMinutes(ms)}</span>
                            </li>
                          ))}
                      </ul>
                    </td>
                    <td data-col="first">{when(a.firstActivity)}</td>
                    <td data-col="last">{when(a.lastActivity)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {!report.agents.length && <p class="empty">{t('noData')}</p>}
        </>,
      )}

      {section(
        'reasons',
        t('sectionReasons'),
        <>
          {report.reasons.length > 0 && (
            <BarChart
              title={t('chartReasons')}
              bars={report.reasons.map((r) => ({
                key: r.reason,
                label: reasonWord(r.reason),
                value: r.totalMs,
                text: hoursMinutes(r.totalMs),
              }))}
            />
          )}
          <div class="table-wrap">
            <table class="report-table" data-testid="report-reasons">
              <thead>
                <tr>
                  <th scope="col">{t('colReason')}</th>
                  <th scope="col" class="num">
                    {t('colTotal')}
                  </th>
                  <th scope="col">{t('colByAgent')}</th>
                </tr>
              </thead>
              <tbody>
                {report.reasons.map((r) => (
                  <tr key={r.reason} data-reason={r.reason}>
                    <th scope="row">{reasonWord(r.reason)}</th>
                    <td class="num" data-col="total">
                      {hoursMinutes(r.totalMs)}
                    </td>
                    <td data-col="by-agent">
                      <ul class="pairs">
                        {Object.entries(r.byAgent)
                          .sort(([, x], [, y]) => y - x)
                          .map(([agent, ms]) => (
                            <li key={agent} data-agent={agent}>
                              <span>{nameOf(agent)}</span>
                              <span class="num">{hoursMinutes(ms)}</span>
                            </li>
                          ))}
                      </ul>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {!report.reasons.length && <p class="empty">{t('noData')}</p>}
        </>,
      )}

      {section(
        'hours',
        t('sectionHours'),
        <>
          <ColumnChart
            title={t('chartHours')}
            columns={report.hours.map((h) => ({
              key: String(h.hour),
              label: String(h.hour).padStart(2, '0'),
              value: h.chatsStarted,
              text: String(h.chatsStarted),
            }))}
          />
          <div class="table-wrap">
            <table class="report-table report-table--hours" data-testid="report-hours">
              <thead>
                <tr>
                  <th scope="col">{t('colHour')}</th>
                  <th scope="col" class="num">
                    {t('colChatsStarted')}
                  </th>
                  <th scope="col" class="num">
                    {t('colAgentsOnline')}
                  </th>
                </tr>
              </thead>
              <tbody>
                {report.hours.map((h) => (
                  <tr key={h.hour} data-hour={h.hour}>
                    <th scope="row">{hourSpan(h.hour)}</th>
                    <td class="num" data-col="chats-started">
                      {h.chatsStarted}
                    </td>
                    <td class="num" data-col="agents-online">
                      {decimal(h.agentsOnline, locale)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>,
      )}
    </div>
  );
}

function ReportPart({
  id,
  title,
  busy,
  onCsv,
  children,
}: {
  id: ReportSection;
  title: string;
  busy: boolean;
  onCsv: () => void;
  children: ComponentChildren;
}) {
  const { t } = useTexts();
  return (
    <section class="report-part" aria-labelledby={`report-${id}-title`}>
      <div class="report-part__head">
        <h3 id={`report-${id}-title`}>{title}</h3>
        <button type="button" class="btn" data-testid={`csv-${id}`} disabled={busy} aria-busy={busy} onClick={onCsv}>
          {t('downloadCsv')}
        </button>
      </div>
      {children}
    </section>
  );
}
