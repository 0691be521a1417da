// The board page's texts, in English and German like the extension. The page is served by the relay,
// not the extension, so it has no browser.i18n: the strings live here, the language comes from the
// browser (navigator.languages) until the team lead picks one with the switch, which is remembered.
// `{name}` in a text is filled in by translate().

export const LANGS = ['en', 'de'] as const;
export type Lang = (typeof LANGS)[number];

const en = {
  brand: 'Switchboard',
  appTitle: 'Team board',
  navBoard: 'Board',
  navReports: 'Reports',
  navLabel: 'Views',
  language: 'Language',
  langEn: 'English',
  langDe: 'Deutsch',
  largeText: 'Large text',
  signOut: 'Sign out',
  signInTitle: 'Sign in with a supervisor token',
  signInIntro:
    'Paste the supervisor token IT gave you. It is sent only to this relay, in a request header, and kept in this browser tab until you sign out.',
  tokenLabel: 'Supervisor token',
  remember: 'Remember on this screen',
  rememberHint: 'Keeps the token after the browser closes. Only for a wall screen that nobody else uses.',
  signIn: 'Sign in',
  errUnauthorized: 'The relay refused this token: it is invalid, expired or revoked. Ask IT for a new supervisor token.',
  errForbidden: "This is an agent's token; ask IT for a supervisor token.",
  errUnreachable: 'The relay cannot be reached. Reconnecting…',
  errUnreachableReport: 'The relay cannot be reached. Check the network and try again.',
  errDropped: 'The live connection to the relay dropped. Reconnecting…',
  errFailed: 'The relay answered {status}: {message}',
  errInvalid: 'The relay sent data this page does not understand (are the relay and this page from different versions?). Reconnecting…',
  errInvalidReport: 'The relay sent a report this page does not understand. Reload the page; if that does not help, tell IT.',
  staleBoard: 'The board may be out of date until the connection is back.',
  connLive: 'Live',
  connConnecting: 'Connecting…',
  connReconnecting: 'Reconnecting…',
  statusOnline: 'Online',
  statusPause: 'Paused',
  statusOffline: 'Offline',
  statusUnknown: 'Unknown',
  countAll: 'All',
  countsLabel: 'Agents by status (choose one to show only those)',
  filterReason: 'Pause reason',
  anyReason: 'Any reason',
  noReason: '(no reason)',
  filterText: 'Find an agent',
  filterTextPlaceholder: 'Name or email',
  clearFilters: 'Clear filters',
  colAgent: 'Agent',
  colStatus: 'Status',
  colReason: 'Reason',
  colFor: 'For',
  colOpenChats: 'Open chats',
  colExtension: 'Extension',
  connected: 'Connected',
  notConnected: 'Not connected',
  shown: '{shown} of {total} agents shown',
  noAgents: 'No agents yet: an agent appears once the relay has stored an event for them.',
  noMatch: 'No agent matches these filters.',
  boardRetention: 'The relay keeps events for {days} days; an agent whose last status is older shows as Unknown.',
  daysHours: '{d} d {h} h',
  none: '—',
  from: 'From',
  to: 'To',
  timeZone: 'Time zone',
  show: 'Show',
  loading: 'Loading…',
  reportPeriod: '{from} to {to}, {tz}',
  retention: 'Events are kept {days} days.',
  retentionCut: 'This period starts before {date}: events before then are no longer kept, so the early part of the period is missing.',
  errBadTimeZone: 'Unknown time zone: {tz}',
  errBadDates: 'Choose a “From” date and a “To” date on or after it.',
  errTooManyDays: 'A report covers at most {days} days: choose a shorter period.',
  sectionAgents: 'Per agent',
  sectionReasons: 'Per pause reason',
  sectionHours: 'Per hour of day',
  colChats: 'Chats handled',
  colMedian: 'Median handling time',
  colP90: 'Handling time, 90th percentile',
  colOnline: 'Online',
  colPaused: 'Paused',
  colPausedBy: 'Paused by reason',
  colFirst: 'First activity',
  colLast: 'Last activity',
  colTotal: 'Total paused',
  colByAgent: 'Per agent',
  colHour: 'Hour',
  colChatsStarted: 'Chats started',
  colAgentsOnline: 'Agents online (average)',
  downloadCsv: 'Download CSV',
  chartChats: 'Chats handled per agent',
  chartReasons: 'Time paused per reason',
  chartHours: 'Chats started per hour of day',
  chartNote: '(bar chart; the table has the numbers)',
  noData: 'Nothing in this period.',
  durationsNote: 'Times online and paused are hours:minutes; handling times are hours:minutes:seconds.',
} as const;

export type MessageKey = keyof typeof en;

const de: Record<MessageKey, string> = {
  brand: 'Switchboard',
  appTitle: 'Team-Übersicht',
  navBoard: 'Übersicht',
  navReports: 'Berichte',
  navLabel: 'Ansichten',
  language: 'Sprache',
  langEn: 'English',
  langDe: 'Deutsch',
  largeText: 'Große Schrift',
  signOut: 'Abmelden',
  signInTitle: 'Mit einem Supervisor-Token anmelden',
  signInIntro:
    'Fügen Sie das Supervisor-Token ein, das Sie von der IT erhalten haben. Es wird nur an dieses Relay gesendet, in einem Anfrage-Header, und bleibt in diesem Browser-Tab, bis Sie sich abmelden.',
  tokenLabel: 'Supervisor-Token',
  remember: 'Auf diesem Bildschirm merken',
  rememberHint: 'Behält das Token, auch wenn der Browser geschlossen wird. Nur für einen Wandbildschirm, den sonst niemand nutzt.',
  signIn: 'Anmelden',
  errUnauthorized:
    'Das Relay hat dieses Token abgelehnt: Es ist ungültig, abgelaufen oder widerrufen. Bitten Sie die IT um ein neues Supervisor-Token.',
  errForbidden: 'Dies ist das Token eines Agenten; bitten Sie die IT um ein Supervisor-Token.',
  errUnreachable: 'Das Relay ist nicht erreichbar. Neue Verbindung wird aufgebaut …',
  errUnreachableReport: 'Das Relay ist nicht erreichbar. Prüfen Sie das Netzwerk und versuchen Sie es erneut.',
  errDropped: 'Die Live-Verbindung zum Relay ist abgebrochen. Neue Verbindung wird aufgebaut …',
  errFailed: 'Das Relay antwortete {status}: {message}',
  errInvalid:
    'Das Relay hat Daten gesendet, die diese Seite nicht versteht (stammen Relay und Seite aus verschiedenen Versionen?). Neue Verbindung wird aufgebaut …',
  errInvalidReport:
    'Das Relay hat einen Bericht gesendet, den diese Seite nicht versteht. Laden Sie die Seite neu; hilft das nicht, wenden Sie sich an die IT.',
  staleBoard: 'Bis die Verbindung wieder steht, ist die Übersicht womöglich nicht aktuell.',
  connLive: 'Live',
  connConnecting: 'Verbindung wird aufgebaut …',
  connReconnecting: 'Neue Verbindung wird aufgebaut …',
  statusOnline: 'Online',
  statusPause: 'Pause',
  statusOffline: 'Offline',
  statusUnknown: 'Unbekannt',
  countAll: 'Alle',
  countsLabel: 'Agenten nach Status (wählen Sie einen, um nur diese zu zeigen)',
  filterReason: 'Pausengrund',
  anyReason: 'Jeder Grund',
  noReason: '(ohne Grund)',
  filterText: 'Agenten suchen',
  filterTextPlaceholder: 'Name oder E-Mail',
  clearFilters: 'Filter zurücksetzen',
  colAgent: 'Agent',
  colStatus: 'Status',
  colReason: 'Grund',
  colFor: 'Seit',
  colOpenChats: 'Offene Chats',
  colExtension: 'Erweiterung',
  connected: 'Verbunden',
  notConnected: 'Nicht verbunden',
  shown: '{shown} von {total} Agenten angezeigt',
  noAgents: 'Noch keine Agenten: Ein Agent erscheint, sobald das Relay ein Ereignis für ihn gespeichert hat.',
  noMatch: 'Kein Agent passt zu diesen Filtern.',
  boardRetention: 'Das Relay bewahrt Ereignisse {days} Tage auf; ein Agent, dessen letzter Status älter ist, erscheint als „Unbekannt“.',
  daysHours: '{d} T {h} Std.',
  none: '—',
  from: 'Von',
  to: 'Bis',
  timeZone: 'Zeitzone',
  show: 'Anzeigen',
  loading: 'Wird geladen …',
  reportPeriod: '{from} bis {to}, {tz}',
  retention: 'Ereignisse werden {days} Tage aufbewahrt.',
  retentionCut:
    'Dieser Zeitraum beginnt vor dem {date}: Ältere Ereignisse sind nicht mehr gespeichert, daher fehlt der Anfang des Zeitraums.',
  errBadTimeZone: 'Unbekannte Zeitzone: {tz}',
  errBadDates: 'Wählen Sie ein „Von“-Datum und ein „Bis“-Datum am selben Tag oder danach.',
  errTooManyDays: 'Ein Bericht umfasst höchstens {days} Tage: Wählen Sie einen kürzeren Zeitraum.',
  sectionAgents: 'Nach Agent',
  sectionReasons: 'Nach Pausengrund',
  sectionHours: 'Nach Tageszeit',
  colChats: 'Bearbeitete Chats',
  colMedian: 'Bearbeitungszeit (Median)',
  colP90: 'Bearbeitungszeit (90. Perzentil)',
  colOnline: 'Online',
  colPaused: 'Pause',
  colPausedBy: 'Pause nach Grund',
  colFirst: 'Erste Aktivität',
  colLast: 'Letzte Aktivität',
  colTotal: 'Pause gesamt',
  colByAgent: 'Nach Agent',
  colHour: 'Stunde',
  colChatsStarted: 'Begonnene Chats',
  colAgentsOnline: 'Agenten online (Durchschnitt)',
  downloadCsv: 'CSV herunterladen',
  chartChats: 'Bearbeitete Chats je Agent',
  chartReasons: 'Pausenzeit je Grund',
  chartHours: 'Begonnene Chats je Tagesstunde',
  chartNote: '(Balkendiagramm; die Zahlen stehen in der Tabelle)',
  noData: 'In diesem Zeitraum liegt nichts vor.',
  durationsNote: 'Online- und Pausenzeiten in Stunden:Minuten, Bearbeitungszeiten in Stunden:Minuten:Sekunden.',
};

export const MESSAGES: Record<Lang, Record<MessageKey, string>> = { en, de };

export type Translate = (key: MessageKey, params?: Record<string, string | number>) => string;

export function translate(lang: Lang, key: MessageKey, params?: Record<string, string | number>): string {
  const text = MESSAGES[lang][key];
  return params ? text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole)) : text;
}

const isLang = (value: unknown): value is Lang => (LANGS as readonly unknown[]).includes(value);

/** The team lead's choice if they made one, else the browser's first language the page has, else English. */
export function pickLanguage(stored: string | null | undefined, browserLanguages: readonly string[]): Lang {
  if (isLang(stored)) return stored;
  for (const tag of browserLanguages) {
    const base = tag.toLowerCase().split('-')[0];
    if (isLang(base)) return base;
  }
  return 'en';
}

/** The locale dates and numbers are written in: the browser's own when it speaks the chosen language (en-US vs en-GB), else the language. */
export function localeFor(lang: Lang, browserLanguages: readonly string[]): string {
  return browserLanguages.find((tag) => tag.toLowerCase().split('-')[0] === lang) ?? lang;
}
