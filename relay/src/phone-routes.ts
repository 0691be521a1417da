// POST /phone/call-events: a phone system tells the relay an agent's call started or ended. The
// event is stored like a SnapEngage webhook (durably, before the 200; deduped per callId+state)
// under kind `call` and forwarded to that agent's websockets. Off until PHONE_WEBHOOK_TOKEN is set.
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CALL_KIND, PhoneCallEvent, type CallData } from '@switchboard/protocol/phone';
import { toEpochMs } from './snapengage/webhook-adapter';
import { checkWebhookToken, normalizeAgent } from './auth';
import { FAILED_ATTEMPTS_MESSAGE, failedAttempt } from './client-limits';
import { isJsonType, readBody, sendJson } from './http';
import type { Hub } from './hub';
import type { Logger } from './logger';
import type { PhoneRejectReason, RelayMetrics } from './metrics';
import type { RateLimiter } from './rate-limit';
import type { AppendResult, EventStore, NewEvent } from './store';

/** A call event is a few hundred bytes; anything near this is not one. */
const PHONE_MAX_BODY_BYTES = 64 * 1024;

export interface PhoneRouteDeps {
  store: EventStore;
  hub: Hub;
  metrics: RelayMetrics;
  logger: Logger;
  /** PHONE_WEBHOOK_TOKEN; empty or absent = the endpoint answers 404. */
  phoneWebhookToken?: string;
  /** false when the store fans events out itself (Redis pub/sub reaches this process's hub too). */
  publishLocally?: boolean;
  /** The authenticated-webhook limit (per endpoint: this one is `phone-call-events`). */
  webhookLimiter?: RateLimiter;
  /** Failed attempts per client key, shared with the other routes. */
  authFailures?: RateLimiter;
  clientKey?: (req: IncomingMessage) => string;
}

class PhoneHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly reason?: PhoneRejectReason,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** Same (callId, state) → same id, so a redelivered call event is stored and forwarded once. */
export function callEventId(callId: string, state: string): string {
  return `c-${createHash('sha256').update(`${CALL_KIND}|${callId}|${state}`).digest('hex').slice(0, 32)}`;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses and checks the body; the error message names the field. */
export function parseCallEvent(body: unknown): { ok: true; event: NewEvent } | { ok: false; error: string } {
  if (!isObj(body)) return { ok: false, error: 'body must be a JSON object' };
  // Normalised before the check, as at token issue: `alice＠example.com` is Alice's address too.
  const parsed = PhoneCallEvent.safeParse(typeof body.agent === 'string' ? { ...body, agent: normalizeAgent(body.agent) } : body);
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
  const agent = normalizeAgent(rawAgent);
  const data: CallData = { agent, state, callId };
  return { ok: true, event: { id: callEventId(callId, state), agent, kind: CALL_KIND, at: new Date(atMs).toISOString(), data } };
}

/**
 * The handler for PHONE_CALL_EVENTS_PATH. It answers every outcome itself (and counts it in
 * the phone metrics); only an unexpected error is left to the caller (500).
 */
export function createPhoneCallHandler(deps: PhoneRouteDeps) {
  const { store, hub, metrics, logger } = deps;
  const token = deps.phoneWebhookToken ?? '';

  async function accept(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const receivedAt = performance.now();
    if (!token) throw new PhoneHttpError(404, 'phone sync is not configured');
    if (req.method !== 'POST') throw new PhoneHttpError(405, 'use POST');
    if (!checkWebhookToken(req.headers, token)) {
      const failed = failedAttempt(deps, req);
      if (!failed.ok)
        throw new PhoneHttpError(429, FAILED_ATTEMPTS_MESSAGE, 'unauthorized', { 'retry-after': String(failed.retryAfterSeconds) });
      throw new PhoneHttpError(401, 'missing or wrong phone webhook token', 'unauthorized');
    }
    const limit = deps.webhookLimiter?.take('phone-call-events');
    if (limit && !limit.ok)
      throw new PhoneHttpError(429, 'too many call events, retry later', 'rate_limited', {
        'retry-after': String(limit.retryAfterSeconds),
      });
    if (!isJsonType(req.headers['content-type']))
      throw new PhoneHttpError(415, 'content-type must be application/json', 'unsupported_media_type');
    const raw = await readBody(
      req,
      PHONE_MAX_BODY_BYTES,
      () => new PhoneHttpError(413, `body is larger than ${PHONE_MAX_BODY_BYTES} bytes`, 'too_large'),
    );
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      throw new PhoneHttpError(400, 'body is not valid JSON', 'bad_json');
    }
    const parsed = parseCallEvent(body);
    if (!parsed.ok) throw new PhoneHttpError(400, parsed.error, 'bad_payload');
    const event = parsed.event;
    let result: AppendResult | undefined;
    try {
      [result] = await store.append(
        [event],
        deps.publishLocally === false ? undefined : (results) => hub.publishStored([event], results, receivedAt),
      );
    } catch (err) {
      logger.error({ err: (err as Error).message, endpoint: 'phone-call-events' }, 'store append failed');
      throw new PhoneHttpError(503, 'event store unavailable, retry later', 'store_unavailable');
    }
    metrics.phoneCallAccepted();
    logger.info(
      {
        endpoint: 'phone-call-events',
        kind: CALL_KIND,
        eventId: event.id,
        agent: event.agent,
        state: event.data.state,
        seq: result!.seq,
        duplicate: result!.duplicate,
      },
      'phone call event stored',
    );
    sendJson(res, 200, { ok: true, seq: result!.seq, duplicate: result!.duplicate });
  }

  return async function phoneCallEvents(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      await accept(req, res);
    } catch (err) {
      if (!(err instanceof PhoneHttpError)) throw err;
      if (err.reason) metrics.phoneCallRejected(err.reason);
      // A body we refused to read must not stay on a keep-alive connection: close it after answering.
      if (!res.headersSent)
        sendJson(res, err.status, { error: err.message }, { ...err.headers, ...(req.complete ? {} : { connection: 'close' }) });
    }
  };
}
