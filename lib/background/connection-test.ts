import { t } from '../i18n';
import { checkConnection, retryProblem } from '../snapengage/agent-status-client';
import { isSafeApiBase } from '../settings/safe-url';
import { loadSettings } from '../settings/store';
import type { MessagePayload, TestResult } from '../messaging/protocol';

const sameOrigin = (a: string, b: string) => URL.canParse(a) && URL.canParse(b) && new URL(a).origin === new URL(b).origin;

/**
 * "Test connection" on the options page: the token typed now goes to the URL typed now; the saved
 * token only to the URL it was saved with (never to one being typed, which may be anyone's).
 */
export async function testSnapEngage(input: MessagePayload<'testConnection'>): Promise<TestResult> {
  if (!isSafeApiBase(input.apiBaseUrl)) return { ok: false, message: t('errApiBaseUrl') };
  let apiToken = input.apiToken;
  if (!apiToken) {
    const saved = await loadSettings();
    if (saved.ok && saved.settings.mode === 'direct') {
      if (!sameOrigin(saved.settings.apiBaseUrl, input.apiBaseUrl)) return { ok: false, message: t('enterTokenForUrl') };
      apiToken = saved.settings.apiToken;
    }
  }
  if (!apiToken) return { ok: false, message: t('enterTokenFirst') };
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
