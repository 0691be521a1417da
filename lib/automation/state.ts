import * as z from 'zod/mini';
import { HeldNotice } from '../notifications/notice';
import { storageItem } from '../storage/item';
import { SettableStatus } from '../status/state';

export const AutoPauser = z.enum(['phone', 'idle']);
export type AutoPauser = z.infer<typeof AutoPauser>;

export const NextStatus = z.object({ status: SettableStatus, substatus: z.optional(z.string()) });
export type NextStatus = z.infer<typeof NextStatus>;

/** Calls in progress kept: more than overlap on one phone. */
export const CALLS_LIMIT = 20;
/** Chat-closed notices held by quiet mode (the summary names at most these). */
export const HELD_LIMIT = 20;

export const AutomationState = z.object({
  /** Calls in progress (several may overlap); the agent is back online only when all have ended. */
  calls: z._default(z.array(z.string()), []),
  /** Which automation paused the agent. null: any pause in effect is the agent's own, never undone by us. */
  pausedBy: z._default(z.nullable(AutoPauser), null),
  /** "Pause after this chat": applied when the last open chat closes. */
  nextStatus: z.optional(NextStatus),
  /** Chat-closed notices held by quiet mode while paused; summed up when back online. */
  held: z._default(z.array(HeldNotice), []),
  /** Day (YYYY-MM-DD) we last offered to pause outside working hours, so we ask once. */
  hoursPromptDay: z.optional(z.string()),
});
export type AutomationState = z.infer<typeof AutomationState>;

const EMPTY: AutomationState = { calls: [], pausedBy: null, held: [] };

export const automationItem = storageItem('local', 'automation', (raw): AutomationState => {
  const parsed = AutomationState.safeParse(raw ?? {});
  return parsed.success ? parsed.data : EMPTY;
});
