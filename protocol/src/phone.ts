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

/**
 * The kind under which call events are stored and forwarded to the agent's extension, which then
 * pauses the agent itself (direct mode, or relay mode with PHONE_CALL_SYNC off).
 */
export const CALL_KIND = 'call' as const;

/**
 * The kind of a call event the relay applies itself (relay mode with PHONE_CALL_SYNC on): the same
 * CallData, for the extension to show and never to act on. What the relay did about it comes as
 * STATUS_CHANGE_KIND events (status-change.ts). An extension that does not know the kind ignores
 * it, so no version of the extension acts on a call twice.
 */
export const HANDLED_CALL_KIND = 'call_handled' as const;

/** `data` of a forwarded `call` or `call_handled` event. */
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
