// A desktop notice about a chat. Some are stored before they are shown (held by quiet mode while
// the agent is paused, or while a replayed backlog is summed up), so the shape is a schema; each
// store keeps the fields it needs of it (lib/automation/state.ts, lib/relay/state.ts).
import * as z from 'zod/mini';

export const ChatNotice = z.object({
  id: z.string(),
  title: z.string(),
  message: z.string(),
  /** who it is about (the visitor), for summaries that list several */
  subject: z.optional(z.string()),
  context: z.optional(z.string()),
  url: z.optional(z.string()),
  /** what it is about; quiet mode holds 'closed' while paused */
  kind: z.optional(z.enum(['assigned', 'transferred', 'closed', 'summary', 'prompt'])),
  /** button labels, where the browser supports them (not Firefox) */
  buttons: z.optional(z.array(z.string())),
});
export type ChatNotice = z.infer<typeof ChatNotice>;
