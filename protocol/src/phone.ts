// Phone-system <-> relay payloads. Generic on purpose: any phone system's webhook, or a
// ten-line script, can send a call event; any phone system can take our chat events.
import * as z from 'zod/mini';

/** Where the phone system posts its call events (token: PHONE_WEBHOOK_TOKEN). */
export const PHONE_CALL_EVENTS_PATH = '/phone/call-events';

/** Phone system -> relay: POST PHONE_CALL_EVENTS_PATH. */
export const PhoneCallEvent = z.object({
  agent: z.string().check(z.regex(/^[^\s@]+@[^\s@]+$/, 'agent must be the agent’s email')),
  state: z.enum(['started', 'ended']),
  callId: z.string().check(z.minLength(1), z.maxLength(200)),
  /** epoch ms or ISO; the relay's receive time when absent */
  at: z.optional(z.union([z.number(), z.string()])),
});
export type PhoneCallEvent = z.infer<typeof PhoneCallEvent>;

/** The kind under which call events are stored and forwarded to the agent's extension. */
export const CALL_KIND = 'call' as const;

/** `data` of a forwarded `call` event. */
export const CallData = z.looseObject({
  agent: z.string(),
  state: z.enum(['started', 'ended']),
  callId: z.string(),
});
export type CallData = z.infer<typeof CallData>;

/** Relay -> phone system: POSTed to PHONE_SYSTEM_URL when a chat reaches an agent or closes. */
export const PhoneChatNotice = z.object({
  agent: z.string(),
  state: z.enum(['chat-started', 'chat-ended']),
  chatId: z.string(),
  /** stable per (chat, state): the phone system can dedupe retries with it */
  id: z.string(),
  at: z.string(),
});
export type PhoneChatNotice = z.infer<typeof PhoneChatNotice>;
