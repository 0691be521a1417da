import { t } from '../i18n';
import { checkConnection, retryProblem } from '../snapengage/agent-status-client';
import { loadSettings } from '../settings/store';
import type { MessagePayload, TestResult } from '../messaging/protocol';

/** "Test connection" on the options page: the token typed now, else the one saved. */
export async function testSnapEngage(input: MessagePayload<'testConnection'>): Promise<TestResult> {
  let apiToken = input.apiToken;
  if (!apiToken) {
    const saved = await loadSettings();
    apiToken = saved.ok ? saved.settings.apiToken : undefined;
  }
  if (!apiToken) return { ok: false, message: t('enterTokenFirst') };
  if (!URL.canParse(input.apiBaseUrl)) return { ok: false, message: t('apiBaseUrlInvalid') };
  const result = await checkConnection({ apiBaseUrl: input.apiBaseUrl, orgId: input.orgId, apiToken });
  switch (result.kind) {
    case 'ok':
      return { ok: true, message: t('seConnected') };
    case 'rejected':
      return { ok: false, message: t('seTokenRejected') };
    case 'invalid':
      return { ok: false, message: result.message };
    case 'retry':
      return { ok: false, message: retryProblem(result.reason, result.httpStatus) };
  }
}
