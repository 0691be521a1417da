// A desktop notice about a chat. Some are stored before they are shown (held by quiet mode while
// the agent is paused, or while a replayed backlog is summed up), so the fields they keep are a
// schema; quiet mode (lib/automation/state.ts) keeps fewer than the backlog (lib/relay/state.ts).
// Built by spreading one set of fields rather than with z.pick: the schemas load with the popup,
// whose budget is counted in bytes.
import * as z from 'zod/mini';

const kept = {
  id: z.string(),
  title: z.string(),
  message: z.string(),
  /** who it is about (the visitor), for summaries that list several */
  subject: z.optional(z.string()),
};

/** What quiet mode keeps of a held notice: enough to show it alone, or to name it in the summary. */
export const HeldNotice = z.object(kept);

/** What a replayed backlog keeps of a chat-closed notice until it is summed up (or shown, when alone). */
export const BacklogNotice = z.object({ ...kept, context: z.optional(z.string()), url: z.optional(z.string()) });

export interface ChatNotice extends z.infer<typeof BacklogNotice> {
  /** what it is about; quiet mode holds 'closed' while paused */
  kind?: 'assigned' | 'transferred' | 'closed' | 'summary' | 'prompt';
  /** button labels, where the browser supports them (not Firefox) */
  buttons?: string[];
}
