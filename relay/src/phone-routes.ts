// POST /phone/call-events: a phone system tells the relay an agent's call started or ended. The
// event is stored like a SnapEngage webhook (durably, before the 200; deduped per callId+state)
// under kind `call` and forwarded to that agent's websockets, whose extension pauses the agent. With
// call sync on (PHONE_CALL_SYNC, relay mode) the relay does that itself (call-sync.ts): the event
// is stored as `call_handled`, which the extension only shows, and the agent's call state is
// updated before the 200. Off until PHONE_WEBHOOK_TOKEN is set.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { normalizeAgentId } from '@switchboard/protocol/agent-id';
import { CALL_KIND, HANDLED_CALL_KIND, PhoneCallEvent, type CallData } from '@switchboard/protocol/phone';
import type { CallSync } from './call-sync';
import { toEpochMs } from './snapengage/webhook-adapter';
import { HttpError, sendJson } from './http';
import { contentIdOf } from './ids';
import { isObject } from './json';
import type { SocketHub } from './socket-hub';
import type { Logger } from './logger';
import type { RelayMetrics } from './metrics';
import type { AppendResult, EventStore, NewEvent } from './store';
import { webhookPipeline, type WebhookLimits } from './webhook-pipeline';

/** A call event is a few hundred bytes; anything near this is not one. */
const PHONE_MAX_BODY_BYTES = 64 * 1024;

export interface PhoneRouteDeps extends WebhookLimits {
  store: EventStore;
  hub: SocketHub;
  metrics: RelayMetrics;
  logger: Logger;
  /** PHONE_WEBHOOK_TOKEN; empty or absent = the endpoint answers 404. */
  phoneWebhookToken?: string;
  /** false when the store fans events out itself (Redis pub/sub reaches this process's hub too). */
  publishLocally?: boolean;
  /** Present when the relay applies calls itself (PHONE_CALL_SYNC on). */
  callSync?: Pick<CallSync, 'call' | 'kick'>;
}

/** Same (callId, state) → same id, so a redelivered call event is stored and forwarded once. */
export function callEventId(callId: string, state: string): string {
  return contentIdOf('c', [CALL_KIND, callId, state]);
}

/** Parses and checks the body; the error message names the field. */
export function parseCallEvent(body: unknown): { ok: true; event: NewEvent } | { ok: false; error: string } {
  if (!isObject(body)) return { ok: false, error: 'body must be a JSON object' };
  // Normalised before the check, as at token issue: `alice＠example.com` is Alice's address too.
  const parsed = PhoneCallEvent.safeParse(typeof body.agent === 'string' ? { ...body, agent: normalizeAgentId(body.agent) } : body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join('.') || 'body';
    if (issue && issue.path.length === 1 && body[String(issue.path[0])] === undefined) return { ok: false, error: `${field} is missing` };
    if (field === 'state') return { ok: false, error: 'state must be "started" or "ended"' };
    if (field === 'callId') return { ok: false, error: 'callId must be a string of 1 to 200 characters' };
    if (field === 'at') return { ok: false, error: 'at must be epoch ms or an ISO 8601 string' };
    return { ok: false, error: `${field} is invalid: ${issue?.message ?? 'invalid'}` };
  }
  const { agent: rawAgent, state, callId, at: rawAt } = parsed.data;
  let atMs = Date.now();
  if (rawAt !== undefined) {
    const ms = toEpochMs(rawAt);
    if (ms === undefined || !Number.isFinite(new Date(ms).getTime()))
      return { ok: false, error: 'at must be epoch ms or an ISO 8601 string' };
    atMs = ms;
  }
  const agent = normalizeAgentId(rawAgent);
  const data: CallData = { agent, state, callId };
  return { ok: true, event: { id: callEventId(callId, state), agent, kind: CALL_KIND, at: new Date(atMs).toISOString(), data } };
}

/**
 * The handler for PHONE_CALL_EVENTS_PATH: the webhook pipeline (webhook-pipeline.ts) with the phone
 * system's token, limit and metrics. Refusals are thrown as HttpErrors, answered by the router.
 */
export function createPhoneCallHandler(deps: PhoneRouteDeps) {
  const { store, hub, metrics, logger } = deps;
  const token = deps.phoneWebhookToken ?? '';
  const pipeline = webhookPipeline(deps, {
    endpoint: 'phone-call-events',
    token,
    maxBodyBytes: PHONE_MAX_BODY_BYTES,
    wrongToken: 'missing or wrong phone webhook token',
    tooMany: 'too many call events, retry later',
    rejected: (reason) => metrics.phoneCallRejected(reason),
    handle: async ({ body, receivedAt }, res) => {
      const parsed = parseCallEvent(body);
      if (!parsed.ok) throw new HttpError(400, parsed.error, 'bad_payload');
      const { callSync } = deps;
      const event = callSync ? { ...parsed.event, kind: HANDLED_CALL_KIND } : parsed.event;
      const call = event.data as CallData;
      // Started in the same tick as the append, so SQLite commits both at once (one fsync). On a
      // redelivery too: should the update have failed the first time, it is made now (it is idempotent).
      const recorded = callSync?.call(event.agent, call.state, call.callId).then(
        () => undefined,
        (err: unknown) => err as Error,
      );
      let result: AppendResult | undefined;
      try {
        [result] = await store.append(
          [event],
          deps.publishLocally === false ? undefined : (results) => hub.publishStored([event], results, receivedAt),
        );
      } catch (err) {
        logger.error({ err: (err as Error).message, endpoint: 'phone-call-events' }, 'store append failed');
        throw new HttpError(503, 'event store unavailable, retry later', 'store_unavailable');
      }
      const failed = await recorded;
      if (failed) {
        logger.error({ err: failed.message, endpoint: 'phone-call-events' }, 'call state update failed');
        throw new HttpError(503, 'call state unavailable, retry later', 'store_unavailable');
      }
      callSync?.kick();
      metrics.phoneCallAccepted();
      logger.info(
        {
          endpoint: 'phone-call-events',
          kind: event.kind,
          eventId: event.id,
          agent: event.agent,
          state: call.state,
          seq: result!.seq,
          duplicate: result!.duplicate,
        },
        'phone call event stored',
      );
      sendJson(res, 200, { ok: true, seq: result!.seq, duplicate: result!.duplicate });
    },
  });

  return async function phoneCallEvents(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!token) throw new HttpError(404, 'phone sync is not configured');
    return pipeline(req, res);
  };
}
