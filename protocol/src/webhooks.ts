// Where the relay listens for SnapEngage's webhooks. SnapEngage's admin is given these (README),
// the sandbox posts to them and the benchmark loads them.
export const CONVERSATION_EVENTS_WEBHOOK_PATH = '/snapengage/conversation-events';
export const AGENT_STATUS_WEBHOOK_PATH = '/snapengage/agent-status';
