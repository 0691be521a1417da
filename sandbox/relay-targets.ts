// Where the relay listens for SnapEngage's webhooks, given its base URL: the paths are the
// relay's own (@switchboard/protocol), so the sandbox and its CLI agree with the relay's routes.
import { AGENT_STATUS_WEBHOOK_PATH, CONVERSATION_EVENTS_WEBHOOK_PATH } from '@switchboard/protocol/webhooks';

export const DEFAULT_RELAY_URL = 'http://127.0.0.1:8787';
export const DEFAULT_WEBHOOK_TOKEN = 'demo-webhook-token-for-local-use-only';

export function relayWebhookUrls(base: string): { conversationUrl: string; statusUrl: string } {
  const trimmed = base.replace(/\/+$/, '');
  return { conversationUrl: `${trimmed}${CONVERSATION_EVENTS_WEBHOOK_PATH}`, statusUrl: `${trimmed}${AGENT_STATUS_WEBHOOK_PATH}` };
}
