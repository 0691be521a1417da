import { checkConnection } from '../snapengage/agent-status-client';
import { loadSettings } from '../settings/store';
import type { MessagePayload, TestResult } from '../messaging/protocol';

/** "Test connection" on the options page: the token typed now, else the one saved. */
export async function testSnapEngage(input: MessagePayload<'testConnection'>): Promise<TestResult> {
  let apiToken = input.apiToken;
  if (!apiToken) {
    const saved = await loadSettings();
    apiToken = saved.ok ? saved.settings.apiToken : undefined;
  }
  if (!apiToken) return { ok: false, message: 'Enter the API token first' };
  if (!URL.canParse(input.apiBaseUrl)) return { ok: false, message: 'The API base URL is not a valid URL' };
  const result = await checkConnection({ apiBaseUrl: input.apiBaseUrl, orgId: input.orgId, apiToken });
  switch (result.kind) {
    case 'ok':
      return { ok: true, message: 'Connected — SnapEngage accepted the org id and API token' };
    case 'rejected':
      return { ok: false, message: 'SnapEngage rejected the API token' };
    case 'invalid':
      return { ok: false, message: result.message };
    case 'retry':
      return { ok: false, message: result.message.replace(' — will retry', '') };
  }
}
