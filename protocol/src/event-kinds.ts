// The normalized event kinds the relay stores and forwards. Conversation kinds come from
// SnapEngage's Conversation Events API (eight types); `agent_status` is the Agent Status
// webhook. Any other string is an unknown kind: stored and forwarded as it came.
export const CONVERSATION_KINDS = [
  'assigned',
  'responded',
  'queued',
  'transferred',
  'closed',
  'broadcasted',
  'labeled',
  'surveyed',
] as const;
export type ConversationKind = (typeof CONVERSATION_KINDS)[number];
export const isConversationKind = (kind: string): kind is ConversationKind => (CONVERSATION_KINDS as readonly string[]).includes(kind);
export const AGENT_STATUS_KIND = 'agent_status' as const;
