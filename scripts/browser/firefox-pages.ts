// Page objects for Firefox (puppeteer-core over WebDriver BiDi): the options page and the popup
// as a person uses them. The Chromium ones (./pages.ts) are on Playwright, whose Firefox cannot run here.
import type { Page } from 'puppeteer-core';
import type { FirefoxLaunched } from './firefox';
import type { SetupValues } from './pages';

const text = (page: Page, selector: string) => page.$eval(selector, (e) => (e as HTMLElement).innerText.trim());

export class FirefoxOptions {
  constructor(readonly page: Page) {}

  /** The options tab the add-on opens by itself when installed without settings. */
  static async openedOnInstall(ff: FirefoxLaunched): Promise<FirefoxOptions> {
    return new FirefoxOptions(await ff.opened('options.html'));
  }

  async fill(values: SetupValues) {
    const fields: [string, string | undefined][] = [
      ['#orgId', values.orgId],
      ['#apiToken', values.apiToken],
      ['#agentId', values.agentId],
      ['#apiBaseUrl', values.apiBaseUrl],
      ['#relayUrl', values.relayUrl],
      ['#relayToken', values.relayToken],
    ];
    await this.page.bringToFront();
    for (const [selector, value] of fields) if (value !== undefined) await this.page.locator(selector).fill(value);
  }

  async save(): Promise<string> {
    await this.page.bringToFront();
    // The settings' Save (the setup code has a submit button of its own).
    await this.page.locator('[data-testid=save]').click();
    await this.page.waitForSelector('[data-testid=result-save], .field-error', { timeout: 15_000 });
    return text(this.page, '[data-testid=result-save], .field-error');
  }
}

export class FirefoxPopup {
  constructor(readonly page: Page) {}

  static async open(ff: FirefoxLaunched): Promise<FirefoxPopup> {
    const page = await ff.open('popup.html');
    await page.waitForSelector('[data-testid=status]');
    return new FirefoxPopup(page);
  }

  status = () => text(this.page, '[data-testid=status]');

  /** Waits until the element with `testId` reads `expected`. */
  async waitFor(testId: string, expected: RegExp, timeout = 15_000) {
    await this.page.waitForFunction(
      (id: string, source: string, flags: string) =>
        new RegExp(source, flags).test(document.querySelector(`[data-testid="${id}"]`)?.textContent ?? ''),
      { timeout },
      testId,
      expected.source,
      expected.flags,
    );
  }

  async pause(reason: string) {
    await this.page.bringToFront();
    await this.page.locator(`input[name=reason][value="${reason}"]`).click();
    await this.page.locator('[data-testid=go-pause]').click();
  }

  /** The toolbar button's badge and tooltip, as the browser shows them. */
  badge(): Promise<{ text: string; title: string }> {
    return this.page.evaluate(async () => ({ text: await chrome.action.getBadgeText({}), title: await chrome.action.getTitle({}) }));
  }

  /** The notifications Firefox is showing now, by id (Firefox's getAll() returns their content too). */
  notifications(): Promise<Record<string, { title: string; message: string }>> {
    return this.page.evaluate(async () => (await chrome.notifications.getAll()) as Record<string, { title: string; message: string }>);
  }
}
