// One setup code per agent (protocol/src/setup-code.ts): IT prints it, the agent pastes it once. It is
// checked by connecting (the relay must welcome its token as its agent) before anything is saved;
// then the extension is in relay mode with that relay, token and email, and holds no API token.
import { normalizeAgentId } from '@switchboard/protocol/agent-id';
import { decodeSetupCode, type SetupCodeResult } from '@switchboard/protocol/setup-code';
import { t, type MessageKey } from '../i18n';
import type { TestResult } from '../messaging/protocol';
import type { RelayProbe } from '../relay/connection';
import { relayHttpBase, relayWebSocketUrl } from '../relay/url';
import { readPolicy } from '../settings/managed';
import { saveSettings, settingsItem } from '../settings/store';

const DECODE_ERRORS: Record<Extract<SetupCodeResult, { ok: false }>['error'], MessageKey> = {
  'not-a-code': 'setupCodeNotACode',
  damaged: 'setupCodeDamaged',
  invalid: 'setupCodeInvalid',
};

/** `probe`: a throwaway connection to the relay (lib/relay/connection.ts). */
export async function applySetupCode(pasted: string, probe: (endpoint: string, token: string) => Promise<RelayProbe>): Promise<TestResult> {
  const decoded = decodeSetupCode(pasted);
  if (!decoded.ok) return { ok: false, message: t(DECODE_ERRORS[decoded.error]) };
  const { relay, token, agent } = decoded.code;
  // The team's policy wins: a code cannot switch a direct-mode team to relay mode, nor send its
  // token to a relay other than the one the policy names.
  const { values: policy } = await readPolicy();
  if (policy.mode === 'direct') return { ok: false, message: t('setupCodePolicyDirect') };
  if (typeof policy.relayUrl === 'string' && relayWebSocketUrl(policy.relayUrl) !== relayWebSocketUrl(relay)) {
    return { ok: false, message: t('setupCodeOtherRelay', [policy.relayUrl]) };
  }
  const answer = await probe(relayWebSocketUrl(relay), token);
  switch (answer.kind) {
    case 'welcome':
      break;
    case 'refused':
      return { ok: false, message: answer.reason ? t('setupCodeRefusedWhy', [answer.reason]) : t('setupCodeRefused') };
    case 'unreachable':
    case 'no-answer':
      return { ok: false, message: t('setupCodeUnreachable', [relayHttpBase(relay)]) };
    case 'not-a-relay':
      return { ok: false, message: t('relayNotARelay') };
  }
  if (normalizeAgentId(answer.agent) !== normalizeAgentId(agent)) {
    return { ok: false, message: t('setupCodeOtherAgent', [agent, answer.agent]) };
  }
  // What the agent set before (reasons, notifications, their day) stays; the API token does not.
  const saved = await settingsItem.get();
  const result = await saveSettings({ ...saved, mode: 'relay', relayUrl: relay, relayToken: token, agentId: agent });
  if (!result.ok) return { ok: false, message: t('setupCodeNotSaved', [Object.values(result.errors)[0] ?? '']) };
  return { ok: true, message: t('setupCodeDone', [agent]) };
}
