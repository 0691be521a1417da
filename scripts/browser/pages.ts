// Page objects: the popup and the options page as a person sees them.
import type { Page } from 'playwright-core';
import type { Launched } from './fixtures';

export interface SetupValues {
  orgId: string;
  apiToken: string;
  agentId: string;
  apiBaseUrl: string;
  relayUrl?: string;
  relayToken?: string;
  quickPause?: string;
}

export class OptionsPage {
  constructor(readonly page: Page) {}

  static async open(launched: Launched): Promise<OptionsPage> {
    const page = await launched.context.newPage();
    await page.goto(`chrome-extension://${launched.extensionId}/options.html`);
    // The form's Save button shows in both modes (relay mode has no org id field).
    await page.getByTestId('save').waitFor();
    return new OptionsPage(page);
  }

  /** Pastes a setup code from IT and uses it; returns what the page answers. */
  async pasteSetupCode(code: string): Promise<string> {
    await this.page.getByLabel('Setup code').fill(code);
    await this.page.getByRole('button', { name: 'Set up', exact: true }).click();
    const result = this.page.getByTestId('result-setup-code');
    await result.waitFor({ timeout: 15_000 });
    return result.innerText();
  }

  async fill(values: SetupValues) {
    const p = this.page;
    await p.getByLabel('Org id').fill(values.orgId);
    await p.getByLabel('API token').fill(values.apiToken);
    await p.getByLabel('Your SnapEngage email').fill(values.agentId);
    await p.getByLabel('API base URL').fill(values.apiBaseUrl);
    if (values.quickPause) await p.getByLabel('Quick-pause reason').selectOption(values.quickPause);
    if (values.relayUrl) await p.getByLabel('Relay URL').fill(values.relayUrl);
    if (values.relayToken) await p.getByLabel('Relay token').fill(values.relayToken);
  }

  async save(): Promise<string> {
    await this.page.getByRole('button', { name: 'Save' }).click();
    const result = this.page.getByTestId('result-save').or(this.page.locator('.field-error').first());
    await result.waitFor();
    return result.innerText();
  }

  async testConnection(): Promise<string> {
    await this.page.getByRole('button', { name: 'Test connection' }).click();
    const result = this.page.getByTestId('result-test');
    await result.waitFor();
    return result.innerText();
  }
}

export class PopupPage {
  constructor(readonly page: Page) {}

  static async open(launched: Launched): Promise<PopupPage> {
    const page = await launched.context.newPage();
    await page.setViewportSize({ width: 360, height: 420 });
    await page.goto(`chrome-extension://${launched.extensionId}/popup.html`);
    await page.getByTestId('status').waitFor();
    return new PopupPage(page);
  }

  status = () => this.page.getByTestId('status').innerText();
  delivery = () => this.page.getByTestId('delivery').innerText();

  async pause(reason: string) {
    await this.page.getByRole('radio', { name: reason }).check();
    await this.page.getByTestId('go-pause').click();
  }

  async online() {
    await this.page.getByTestId('go-online').click();
  }

  async waitForDelivery(text: string | RegExp) {
    await this.page.getByTestId('delivery').filter({ hasText: text }).waitFor({ timeout: 20_000 });
  }
}
