// GET /api/events: the relay's stored events for the token's agent, a page at a time. The relay
// builds this answer; the extension reads it for today's chat figures.
import * as z from 'zod/mini';

export const EVENTS_API_PATH = '/api/events';
/** Events per page when the caller gives no `limit`. */
export const EVENTS_PAGE_DEFAULT = 100;
/** The most events one page holds; a shorter page is the last. */
export const EVENTS_PAGE_MAX = 1000;

/** One stored event, as the websocket would replay it (docs/relay-protocol.md). */
export const StoredEvent = z.object({
  seq: z.number(),
  id: z.string(),
  kind: z.string(),
  at: z.string(),
  data: z.record(z.string(), z.unknown()),
});
export type StoredEvent = z.infer<typeof StoredEvent>;

export const EventsPage = z.object({
  /** The store generation the seqs belong to (as in the welcome frame). */
  generation: z.string(),
  events: z.array(StoredEvent),
});
export type EventsPage = z.infer<typeof EventsPage>;
