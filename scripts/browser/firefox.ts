// Launches the built add-on (.output/firefox-mv3) in the system's Firefox (see scripts/firefox.ts),
// headless, and drives it over WebDriver BiDi with puppeteer-core (Firefox has no CDP; Playwright's
// Firefox needs its own patched build, which cannot be downloaded here). What it took, measured on
// Firefox ESR 153 + puppeteer-core 25:
// - `--remote-allow-system-access`: without it BiDi refuses to navigate a tab to moz-extension://
//   and to evaluate in the parent process (where backgroundState() reads the event page's state).
// - page.goto() never resolves for moz-extension:// pages (no load events reach puppeteer), so tabs
//   are navigated with a raw `browsingContext.navigate`.
// - The add-on's moz-extension:// host is random per profile; a pref fixes it before install.
// - Locators wait for animation frames, which a background tab never gets: bringToFront() first.
// - Labels are not resolved to their inputs by ::-p-aria(), so fields are found by id.
import { resolve } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { GECKO_ID } from '../../browser-support';
import { FIREFOX_HELP, findFirefox } from '../firefox';

const FIREFOX_EXTENSION_DIR = resolve(import.meta.dirname, '../../.output/firefox-mv3');
const HOST = '6452a758-b7e5-469b-8179-ea81a11c4eb4';

export interface FirefoxLaunched {
  browser: Browser;
  origin: string;
  /** Opens an extension page (e.g. 'popup.html') in a new tab, loaded. */
  open(path: string): Promise<Page>;
  /** The tab the add-on opened itself, if any, whose URL ends with `path`. */
  opened(path: string): Promise<Page>;
  /** The event page as Firefox's parent process sees it; asking never wakes it. */
  backgroundState(): Promise<{ running: boolean; state: string }>;
  /** Stops the event page the way Firefox does when it idles out (listeners stay registered; the next event wakes it). */
  stopBackground(): Promise<void>;
  close(): Promise<void>;
}

export async function launchFirefoxExtension({ prefs = {} }: { prefs?: Record<string, unknown> } = {}): Promise<FirefoxLaunched> {
  const executablePath = findFirefox();
  if (!executablePath) throw new Error(FIREFOX_HELP);
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath,
    headless: true,
    // The relay's TLS front in the tests has a self-signed certificate (tests/e2e/firefox/tls-front.ts).
    acceptInsecureCerts: true,
    timeout: 30_000,
    protocolTimeout: 20_000,
    args: ['--remote-allow-system-access'],
    extraPrefsFirefox: {
      'extensions.webextensions.uuids': JSON.stringify({ [GECKO_ID]: HOST }),
      // No DBus/libnotify here: the system backend closes every notification at once (getAll() is
      // empty). Firefox's own alerts keep one open ~20 s, long enough to read it back.
      'alerts.useSystemBackend': false,
      // permissions.request() is granted at once instead of a doorhanger nobody can click.
      'extensions.webextOptionalPermissionPrompts': false,
      // The tests read the English texts, whatever the machine's language.
      'intl.locale.requested': 'en-US',
      ...prefs,
    },
  });
  // Raw WebDriver BiDi commands (puppeteer has no API for these); the answers' shapes are BiDi's.
  const send = async <T>(method: string, params: object): Promise<T> => {
    const connection = (browser as unknown as { connection: { send(m: string, p: object): Promise<{ result: T }> } }).connection;
    return (await connection.send(method, params)).result;
  };
  const contextOf = (page: Page) => (page.mainFrame() as unknown as { _id: string })._id;
  const inParent = async <T>(expression: string): Promise<T> => {
    const { contexts } = await send<{ contexts: { context: string }[] }>('browsingContext.getTree', { 'moz:scope': 'chrome' });
    const r = await send<{ type: string; exceptionDetails?: { text: string }; result: { value: unknown } }>('script.evaluate', {
      expression,
      target: { context: contexts[0]!.context },
      awaitPromise: true,
    });
    if (r.type !== 'success') throw new Error(`in Firefox's parent process: ${r.exceptionDetails?.text}`);
    return r.result.value as T;
  };
  const extension = `WebExtensionPolicy.getByID(${JSON.stringify(GECKO_ID)}).extension`;

  try {
    const id = await browser.installExtension(FIREFOX_EXTENSION_DIR);
    if (id !== GECKO_ID) throw new Error(`installed ${id}, expected the gecko id ${GECKO_ID}`);
  } catch (error) {
    await browser.close();
    throw error;
  }
  const origin = `moz-extension://${HOST}`;
  return {
    browser,
    origin,
    async open(path) {
      const page = await browser.newPage();
      await send('browsingContext.navigate', { context: contextOf(page), url: `${origin}/${path}`, wait: 'complete' });
      await page.bringToFront();
      return page;
    },
    async opened(path) {
      // The tab's new URL never reaches puppeteer's targets (the same missing events): ask each tab.
      const url = `${origin}/${path}`;
      for (const deadline = Date.now() + 10_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
        for (const page of await browser.pages()) {
          const here = await page.evaluate(() => (document.readyState === 'complete' ? location.href : '')).catch(() => '');
          if (here !== url) continue;
          await page.bringToFront();
          return page;
        }
      }
      throw new Error(`no tab at ${url} within 10 s`);
    },
    async backgroundState() {
      // backgroundState: Extension's BACKGROUND_STATE ("stopped", "starting", "running", "suspending").
      const state = await inParent<string>(`String(${extension}.backgroundState)`);
      return { running: state === 'running', state };
    },
    async stopBackground() {
      await inParent(`${extension}.terminateBackground()`);
    },
    close: () => browser.close(),
  };
}
