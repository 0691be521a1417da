// What the extension knows about its relay connection and the chats it has been told of, in
// storage.local: the resume point and the open chats must survive a browser restart; the phase,
// kept with them, is rewritten as soon as the worker connects again.
import * as z from 'zod/mini';
import { BacklogNotice } from '../notifications/notice';
import { storageItem } from '../storage/item';
import { RELAY_PHASES } from './phase';

const RelayPhase = z.enum(RELAY_PHASES);

/** The open chats kept (newest first): more than an agent ever has at once; a stored list is never unbounded. */
export const OPEN_CHATS_LIMIT = 50;
/** Event ids notified, and conversations seen closed, kept (newest last): far more than a backlog replays. */
export const NOTIFIED_LIMIT = 500;
/** Chat-closed notices held while a backlog replays (its summary names at most these). */
export const HELD_CLOSED_LIMIT = 20;

export const OpenChat = z.object({
  conversationId: z.string(),
  url: z.optional(z.string()),
  visitor: z.string(),
  question: z.optional(z.string()),
  widgetId: z.optional(z.string()),
  assignedAt: z.number(),
});
export type OpenChat = z.infer<typeof OpenChat>;

export const RelayState = z.object({
  phase: z._default(RelayPhase, 'off'),
  message: z.optional(z.string()),
  /** Store generation `lastSeq` belongs to. */
  generation: z.optional(z.string()),
  lastSeq: z._default(z.number(), 0),
  /** Newest first, at most OPEN_CHATS_LIMIT. */
  openChats: z._default(z.array(OpenChat), []),
  /** Event ids already notified, or applied (the relay's status changes), bounded, newest last: "at most once, however often delivered". */
  notified: z._default(z.array(z.string()), []),
  /** Conversations seen closed (bounded), so a late *assigned* does not reopen them. */
  closedIds: z.optional(z.array(z.string())),
  /**
   * The backlog being replayed after a (re)connect: events up to `until`. `silent` on a first
   * connection (history from before this browser was set up is applied, never notified);
   * otherwise chat-closed notices are held and summed up once the backlog is handled.
   */
  replay: z.optional(
    z.object({
      until: z.number(),
      silent: z.boolean(),
      heldClosed: z.array(BacklogNotice),
    }),
  ),
  connectedAt: z.optional(z.number()),
  attempts: z._default(z.number(), 0),
});
export type RelayState = z.infer<typeof RelayState>;

const EMPTY: RelayState = { phase: 'off', lastSeq: 0, openChats: [], notified: [], attempts: 0 };

export const relayStateItem = storageItem('local', 'relay', (raw): RelayState => {
  const parsed = RelayState.safeParse(raw ?? {});
  return parsed.success ? parsed.data : EMPTY;
});
