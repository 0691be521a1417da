// The normalized `data` of events the relay forwards. The relay's webhook adapter builds
// these from whatever spelling SnapEngage sent; the extension reads them. Extra fields are
// kept (looseObject), so an event type we do not know still carries everything it came with.
import * as z from 'zod/mini';
import { AGENT_STATUSES } from './status';

export const ConversationData = z.looseObject({
  conversationId: z.string(),
  url: z.optional(z.string()),
  widgetId: z.optional(z.string()),
  requesterName: z.optional(z.string()),
  requesterEmail: z.optional(z.string()),
  description: z.optional(z.string()),
  pageUrl: z.optional(z.string()),
  agentId: z.optional(z.string()),
  agentAlias: z.optional(z.string()),
  /** epoch ms */
  createdAt: z.optional(z.number()),
  /** epoch ms */
  closedAt: z.optional(z.number()),
  transfer: z.optional(z.looseObject({ fromAgentId: z.optional(z.string()), toAgentId: z.optional(z.string()) })),
  labels: z.optional(z.array(z.looseObject({ name: z.string(), value: z.optional(z.string()) }))),
  survey: z.optional(z.looseObject({ score: z.optional(z.number()), comment: z.optional(z.string()) })),
});
export type ConversationData = z.infer<typeof ConversationData>;

const AgentStatusValue = z.enum(AGENT_STATUSES);

export const AgentStatusData = z.looseObject({
  agentId: z.string(),
  status: AgentStatusValue,
  substatus: z.optional(z.string()),
  previousStatus: z.optional(z.string()),
});
export type AgentStatusData = z.infer<typeof AgentStatusData>;
