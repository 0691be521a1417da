// The toolbar popup itself, as a click on the extension's button opens it. Playwright does not see
// it as a page: it is opened with chrome.action.openPopup and read from another extension page
// (same extension, same renderer process) through chrome.extension.getViews.
import type { Page } from 'playwright-core';
import type { Launched } from './fixtures';

/**
 * A focused window for popups. Saving the options asks for host permissions; headless Chromium
 * leaves that prompt open and it keeps the window's focus, and a popup opens only on a focused window.
 */
export async function popupWindow(ext: Launched): Promise<number> {
  const worker = await ext.worker();
  return worker.evaluate(async () => (await chrome.windows.create({ url: 'about:blank', focused: true })).id!);
}

/** Opens the toolbar popup on `windowId`; resolves with when it was asked for (epoch ms, sub-ms precision). */
export async function openToolbarPopup(ext: Launched, windowId: number): Promise<{ epochMs: number } | { error: string }> {
  const worker = await ext.worker();
  return worker.evaluate(async (id) => {
    if (typeof chrome.action.openPopup !== 'function')
      return { error: 'chrome.action.openPopup is missing (Chromium 127 or newer has it)' };
    await chrome.windows.update(id, { focused: true });
    const epochMs = performance.timeOrigin + performance.now();
    return chrome.action.openPopup({ windowId: id }).then(
      () => ({ epochMs }),
      (err: Error) => ({ error: `chrome.action.openPopup: ${err.message}` }),
    );
  }, windowId);
}

/** Runs `fn` on the open toolbar popup's document (from `page`, another page of the extension); undefined while there is none. */
export async function inToolbarPopup<T>(page: Page, fn: string): Promise<T | undefined> {
  return page.evaluate(`(() => {
    const view = chrome.extension.getViews({ type: 'popup' })[0];
    return view ? (${fn})(view.document) : undefined;
  })()`) as Promise<T | undefined>;
}
