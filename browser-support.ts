// Which browsers the extension runs in, and why. The manifest's `minimum_chrome_version` and
// Firefox `strict_min_version` are the newest first versions among the platform features below;
// tests/browser-support.test.ts checks each version against MDN's browser-compat-data, that each
// feature is still used, and that the code (and, in the zip test, the shipped bundle with its
// dependencies) uses nothing from WATCHED that is not listed here.

/** The Firefox add-on id (AMO ties the listing, updates and enterprise policies to it). Never change it. */
export const GECKO_ID = '{7168b41e-07da-4271-bb12-797adaa76bac}';

export interface PlatformFeature {
  /** Its key in @mdn/browser-compat-data, or null for a browser behaviour that has none (then `source` says where it is documented). */
  bcd: string | null;
  /** Where it is used: 'code' is matched against the sources and the shipped JS/CSS, 'manifest' against the built manifest. */
  in: 'code' | 'manifest';
  uses: RegExp;
  /** The first version the extension can rely on it in; null: not needed in that browser. */
  chrome: number | null;
  firefox: number | null;
  /** Only where Firefox for Android differs from desktop Firefox. */
  firefoxAndroid?: number;
  why: string;
  /** Set when the version is one MDN marks partial, saying why the partial support is enough. */
  partialOk?: string;
  source?: string;
}

export const RELIED_ON: PlatformFeature[] = [
  {
    bcd: 'api.URL.canParse_static',
    in: 'code',
    uses: /\bURL\.canParse\(/,
    chrome: 120,
    firefox: 115,
    why: 'settings and options check URLs with it',
  },
  {
    bcd: 'api.AbortSignal.any_static',
    in: 'code',
    uses: /\bAbortSignal\.any\(/,
    chrome: 116,
    firefox: 124,
    why: 'a SnapEngage call is cancelled by its caller or its 10 s timeout',
  },
  {
    bcd: 'api.AbortSignal.timeout_static',
    in: 'code',
    uses: /\bAbortSignal\.timeout\(/,
    chrome: 103,
    firefox: 100,
    why: 'timeouts of SnapEngage and relay calls',
    partialOk:
      "Chrome 103-123 abort with AbortError instead of TimeoutError; the code asks the signal whether it timed out, never the error's name",
  },
  { bcd: 'api.Crypto.randomUUID', in: 'code', uses: /\.randomUUID\(/, chrome: 92, firefox: 95, why: 'ids of status changes' },
  {
    bcd: 'webextensions.api.storage.session',
    in: 'code',
    uses: /storageItem\(\s*'session'/,
    chrome: 102,
    firefox: 115,
    why: 'the notifications shown lately',
  },
  {
    bcd: null,
    in: 'code',
    uses: /periodInMinutes:\s*0\.5\b/,
    chrome: 120,
    firefox: null,
    why: 'the 30 s relay keep-alive alarm (Firefox has no minimum period)',
    source: 'Chrome 120 release notes: chrome.alarms minimum period lowered from 1 minute to 30 seconds',
  },
  {
    bcd: null,
    in: 'code',
    uses: /new WebSocketImpl\(/,
    chrome: 116,
    firefox: null,
    why: "the relay's websocket messages keep the MV3 service worker alive",
    source: 'Chrome 116 release notes: WebSocket activity extends the extension service worker lifetime',
  },
  {
    bcd: 'webextensions.manifest.manifest_version.v3',
    in: 'manifest',
    uses: /"manifest_version":3/,
    chrome: 88,
    firefox: 109,
    why: 'Manifest V3',
  },
  {
    bcd: 'webextensions.manifest.optional_host_permissions',
    in: 'manifest',
    uses: /"optional_host_permissions"/,
    chrome: 102,
    firefox: 128,
    why: 'host access asked for when the agent saves',
  },
  {
    bcd: 'webextensions.manifest.browser_specific_settings.gecko.data_collection_permissions',
    in: 'manifest',
    uses: /"data_collection_permissions"/,
    chrome: null,
    firefox: 140,
    firefoxAndroid: 142,
    why: "Firefox's built-in consent for what leaves the browser (see PRIVACY.md); 140 is also an ESR",
  },
];

export const MIN_CHROME = Math.max(...RELIED_ON.map((f) => f.chrome ?? 0));
export const MIN_FIREFOX = Math.max(...RELIED_ON.map((f) => f.firefox ?? 0));
export const MIN_FIREFOX_ANDROID = Math.max(...RELIED_ON.map((f) => f.firefoxAndroid ?? f.firefox ?? 0));

/**
 * Newer platform features nothing relies on yet. Code that starts using one fails the test until
 * it is moved to RELIED_ON with its versions, which may raise the minimums.
 */
export const WATCHED: Array<{ bcd: string; kind: 'js' | 'css'; uses: RegExp }> = [
  { bcd: 'api.URL.parse_static', kind: 'js', uses: /\bURL\.parse\(/ },
  { bcd: 'javascript.builtins.Promise.withResolvers', kind: 'js', uses: /\bPromise\.withResolvers\(/ },
  { bcd: 'javascript.builtins.Promise.try', kind: 'js', uses: /\bPromise\.try\(/ },
  { bcd: 'javascript.builtins.Object.groupBy', kind: 'js', uses: /\bObject\.groupBy\(/ },
  { bcd: 'javascript.builtins.Map.groupBy', kind: 'js', uses: /\bMap\.groupBy\(/ },
  { bcd: 'javascript.builtins.Array.fromAsync', kind: 'js', uses: /\bArray\.fromAsync\(/ },
  { bcd: 'javascript.builtins.Array.toSorted', kind: 'js', uses: /\.(toSorted|toReversed|toSpliced)\(/ },
  { bcd: 'javascript.builtins.Array.findLast', kind: 'js', uses: /\.findLast(Index)?\(/ },
  {
    bcd: 'javascript.builtins.Set.union',
    kind: 'js',
    uses: /(?<!\bz)\.(union|intersection|difference)\(|\.(symmetricDifference|isSubsetOf|isSupersetOf|isDisjointFrom)\(/,
  },
  {
    bcd: 'javascript.builtins.Iterator.from',
    kind: 'js',
    uses: /\bIterator\.from\(|\.(values|keys|entries)\(\)\.(map|filter|take|drop|flatMap|reduce|toArray|forEach|some|every|find)\(/,
  },
  { bcd: 'javascript.builtins.String.isWellFormed', kind: 'js', uses: /\.(isWellFormed|toWellFormed)\(/ },
  { bcd: 'javascript.builtins.ArrayBuffer.transfer', kind: 'js', uses: /\.transfer(ToFixedLength)?\(/ },
  { bcd: 'javascript.builtins.RegExp.escape', kind: 'js', uses: /\bRegExp\.escape\(/ },
  { bcd: 'javascript.builtins.Error.isError', kind: 'js', uses: /\bError\.isError\(/ },
  { bcd: 'javascript.builtins.Uint8Array.fromBase64', kind: 'js', uses: /\bUint8Array\.from(Base64|Hex)\(|\.to(Base64|Hex)\(/ },
  { bcd: 'javascript.builtins.Float16Array', kind: 'js', uses: /\bFloat16Array\b|\bMath\.f16round\(/ },
  { bcd: 'javascript.builtins.Math.sumPrecise', kind: 'js', uses: /\bMath\.sumPrecise\(/ },
  { bcd: 'javascript.builtins.Intl.DurationFormat', kind: 'js', uses: /\bIntl\.DurationFormat\b/ },
  { bcd: 'javascript.builtins.Intl.Segmenter', kind: 'js', uses: /\bIntl\.Segmenter\b/ },
  { bcd: 'javascript.builtins.Intl.NumberFormat.formatRange', kind: 'js', uses: /\.formatRange(ToParts)?\(/ },
  { bcd: 'javascript.builtins.JSON.rawJSON', kind: 'js', uses: /\bJSON\.(rawJSON|isRawJSON)\(/ },
  { bcd: 'javascript.builtins.Temporal', kind: 'js', uses: /\bTemporal\./ },
  { bcd: 'javascript.builtins.DisposableStack', kind: 'js', uses: /\bSymbol\.(asyncDispose|dispose)\b|\b(Async)?DisposableStack\b/ },
  { bcd: 'api.structuredClone', kind: 'js', uses: /\bstructuredClone\(/ },
  { bcd: 'api.Response.json_static', kind: 'js', uses: /\bResponse\.json\(/ },
  { bcd: 'api.ReadableStream.from_static', kind: 'js', uses: /\bReadableStream\.from\(/ },
  { bcd: 'api.Response.bytes', kind: 'js', uses: /\.bytes\(\)/ },
  { bcd: 'api.Navigator.userActivation', kind: 'js', uses: /\buserActivation\b/ },
  { bcd: 'api.HTMLElement.popover', kind: 'js', uses: /\b(show|hide|toggle)Popover\(|\bpopover\s*[=:]/ },
  { bcd: 'api.Element.checkVisibility', kind: 'js', uses: /\.checkVisibility\(/ },
  { bcd: 'api.Element.setHTMLUnsafe', kind: 'js', uses: /\bsetHTMLUnsafe\(/ },
  { bcd: 'api.Element.moveBefore', kind: 'js', uses: /\.moveBefore\(/ },
  { bcd: 'api.CloseWatcher', kind: 'js', uses: /\bCloseWatcher\b/ },
  { bcd: 'api.Scheduler.yield', kind: 'js', uses: /\bscheduler\.(yield|postTask)\(/ },
  { bcd: 'api.WebSocketStream', kind: 'js', uses: /\bWebSocketStream\b/ },
  { bcd: 'api.CompressionStream', kind: 'js', uses: /\b(De)?CompressionStream\b/ },
  { bcd: 'api.Navigator.locks', kind: 'js', uses: /\bnavigator\.locks\b/ },
  { bcd: 'webextensions.api.action.setBadgeTextColor', kind: 'js', uses: /\bsetBadgeTextColor\(/ },
  { bcd: 'webextensions.api.action.openPopup', kind: 'js', uses: /\baction\.openPopup\(/ },
  { bcd: 'webextensions.api.runtime.getContexts', kind: 'js', uses: /\bruntime\.getContexts\(/ },
  { bcd: 'css.selectors.has', kind: 'css', uses: /:has\(/ },
  { bcd: 'css.selectors.nesting', kind: 'css', uses: /(^|[{;]\s*)&[\s.:#[>+~]/m },
  { bcd: 'css.properties.text-wrap.balance', kind: 'css', uses: /text-wrap:\s*(balance|pretty)/ },
  { bcd: 'css.types.color.light-dark', kind: 'css', uses: /\blight-dark\(/ },
  { bcd: 'css.types.color.color-mix', kind: 'css', uses: /\bcolor-mix\(/ },
  { bcd: 'css.types.color.oklch', kind: 'css', uses: /\boklch\(/ },
  { bcd: 'css.at-rules.starting-style', kind: 'css', uses: /@starting-style/ },
  { bcd: 'css.at-rules.container', kind: 'css', uses: /@container\b/ },
  { bcd: 'css.properties.field-sizing', kind: 'css', uses: /\bfield-sizing\s*:/ },
  { bcd: 'css.properties.anchor-name', kind: 'css', uses: /\banchor-name\s*:/ },
];
