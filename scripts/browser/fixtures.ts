// Launches the built extension in real Chromium (the system's; see scripts/chromium.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page, type Worker } from 'playwright-core';
import { findChromium, CHROMIUM_HELP } from '../chromium';

export const EXTENSION_DIR = resolve(import.meta.dirname, '../../.output/chrome-mv3');

export interface Launched {
  context: BrowserContext;
  extensionId: string;
  worker: () => Promise<Worker>;
  close: () => Promise<void>;
}

/** `deviceScaleFactor`: pixels per CSS pixel in every page (2 for sharp screenshots; default 1). */
export async function launchExtension({
  deviceScaleFactor,
  dir = EXTENSION_DIR,
}: {
  deviceScaleFactor?: number;
  /** The built extension; the end-to-end tests' build by default. */
  dir?: string;
} = {}): Promise<Launched> {
  const executablePath = findChromium();
  if (!executablePath) throw new Error(CHROMIUM_HELP);
  const profile = mkdtempSync(join(tmpdir(), 'switchboard-e2e-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    ...(deviceScaleFactor ? { deviceScaleFactor } : {}),
    args: [
      `--disable-extensions-except=${dir}`,
      `--load-extension=${dir}`,
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
      // The tests read the English texts, whatever the machine's language.
      '--lang=en-US',
    ],
  });
  const first = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker'));
  const extensionId = new URL(first.url()).host;
  // On install the worker opens the options page (setup is missing); tests start without it. It is
  // replaced by a blank tab, not just closed: Chromium holds back its deferred start-up work (the
  // BEST_EFFORT tasks, which chrome.storage.managed waits on) until the first visible tab has
  // loaded, or for 3 minutes; a welcome tab closed while loading left none, and storage.managed
  // answered 3 minutes late.
  const welcome = await welcomePage(context);
  await context.newPage();
  await welcome?.close();
  // The worker may be restarted by a test; always hand out the live one.
  const worker = async () => context.serviceWorkers().find((w) => w.url().includes(extensionId)) ?? context.waitForEvent('serviceworker');
  return {
    context,
    extensionId,
    worker,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** The options page the worker opens on install: in the tab Chromium started with, or in a new one; none within 5 s (the demo build, already set up). */
async function welcomePage(context: BrowserContext): Promise<Page | undefined> {
  const timeout = 5000;
  const options = /\/options\.html$/;
  const opened = (page: Page) => page.waitForURL(options, { timeout, waitUntil: 'commit' }).then(() => page);
  return Promise.any([...context.pages().map(opened), context.waitForEvent('page', { timeout }).then(opened)]).catch(() => undefined);
}

export async function badge(launched: Launched): Promise<{ text: string; title: string }> {
  const w = await launched.worker();
  return w.evaluate(async () => ({ text: await chrome.action.getBadgeText({}), title: await chrome.action.getTitle({}) }));
}
