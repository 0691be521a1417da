import * as z from 'zod/mini';
import { Envelope, Messages, type MessageAnswers, type MessageName, type Reply } from './protocol';

export type Handlers = { [K in MessageName]: (payload: z.output<(typeof Messages)[K]>) => Promise<MessageAnswers[K]> };

/** One listener, one map: validates the envelope and the payload, then dispatches on the name. */
export function routeMessage(handlers: Handlers) {
  return async (message: unknown): Promise<Reply<unknown>> => {
    const envelope = Envelope.safeParse(message);
    if (!envelope.success) return { ok: false, error: 'Unknown message' };
    const { name, payload } = envelope.data;
    const parsed = Messages[name].safeParse(payload);
    if (!parsed.success) return { ok: false, error: `Bad ${name} message: ${z.prettifyError(parsed.error)}` };
    try {
      const handler = handlers[name] as (p: unknown) => Promise<unknown>;
      return { ok: true, value: (await handler(parsed.data)) ?? null };
    } catch (error) {
      return { ok: false, error: error instanceof Error ? error.message : String(error) };
    }
  };
}
