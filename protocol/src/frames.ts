// The relay <-> extension websocket protocol. Both ends import these schemas; the relay
// validates every client frame, the extension validates every server frame.
// docs/relay-protocol.md documents exactly this file (a test checks its examples).
import * as z from 'zod/mini';

const seq = z.int().check(z.nonnegative());

/** Client -> relay, first frame after connecting. */
export const HelloFrame = z.strictObject({
  type: z.literal('hello'),
  token: z.string().check(z.minLength(1), z.maxLength(4096)),
  /** Last seq this client handled; 0 when it has handled nothing. */
  after: seq,
  /** Store generation the `after` belongs to; a different one means "start over". */
  generation: z.optional(z.string().check(z.maxLength(128))),
});
export type HelloFrame = z.infer<typeof HelloFrame>;

export const ClientFrame = z.discriminatedUnion('type', [HelloFrame]);
export type ClientFrame = z.infer<typeof ClientFrame>;

/** Relay -> client, answer to a good hello. */
export const WelcomeFrame = z.strictObject({
  type: z.literal('welcome'),
  agent: z.string(),
  /** Highest seq stored for this agent right now. */
  latest: seq,
  generation: z.string(),
  /** false when the client's `after`/`generation` could not be honoured and replay starts from 0. */
  resumed: z.boolean(),
});
export type WelcomeFrame = z.infer<typeof WelcomeFrame>;

/** One stored event, replayed or live. `kind` may be one the client does not know. */
export const EventFrame = z.strictObject({
  type: z.literal('event'),
  seq: z.int().check(z.positive()),
  id: z.string().check(z.minLength(1)),
  kind: z.string().check(z.minLength(1)),
  at: z.iso.datetime({ offset: true }),
  data: z.record(z.string(), z.unknown()),
});
export type EventFrame = z.infer<typeof EventFrame>;

/**
 * Relay -> client, every ping interval (20 s by default). An application message, not a
 * websocket ping: only messages the worker itself receives keep an MV3 service worker alive.
 */
export const PingFrame = z.strictObject({ type: z.literal('ping') });
export type PingFrame = z.infer<typeof PingFrame>;

export const ServerFrame = z.discriminatedUnion('type', [WelcomeFrame, EventFrame, PingFrame]);
export type ServerFrame = z.infer<typeof ServerFrame>;

/** Websocket close codes the relay uses (4xxx are application codes). */
export const CloseCode = {
  goingAway: 1001,
  badFrame: 4400,
  unauthorized: 4401,
  forbiddenOrigin: 4403,
  helloTimeout: 4408,
  tooManyConnections: 4429,
  slowConsumer: 4508,
} as const;
