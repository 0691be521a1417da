// Where the relay listens for SnapEngage's webhooks, given its base URL. One place, so the
// sandbox and its CLI agree with the relay's routes.
export const CONVERSATION_EVENTS_PATH = '/snapengage/conversation-events';
export const AGENT_STATUS_PATH = '/snapengage/agent-status';
export const DEFAULT_RELAY_URL = 'http://127.0.0.1:8787';
export const DEFAULT_WEBHOOK_TOKEN = 'demo-webhook-token-for-local-use-only';

export function relayWebhookUrls(base: string): { conversationUrl: string; statusUrl: string } {
  const trimmed = base.replace(/\/+$/, '');
  return { conversationUrl: `${trimmed}${CONVERSATION_EVENTS_PATH}`, statusUrl: `${trimmed}${AGENT_STATUS_PATH}` };
}
