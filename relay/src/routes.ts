// HTTP endpoints. Webhooks are answered 200 only after the event is durably stored: SnapEngage
// retries anything else, so a non-200 is how we make it try again rather than lose an event.
// A JSON body the adapter cannot read is answered 202 once it is durably stored in the quarantine,
// where it waits for a newer adapter or field map (admin-routes.ts), instead of being retried and lost.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { EVENTS_API_PATH, EVENTS_PAGE_DEFAULT, EVENTS_PAGE_MAX, type EventsPage } from '@switchboard/protocol/events-api';
import { PHONE_CALL_EVENTS_PATH } from '@switchboard/protocol/phone';
import { STATUS_API_PATH } from '@switchboard/protocol/status-api';
import { AGENT_STATUS_WEBHOOK_PATH, CONVERSATION_EVENTS_WEBHOOK_PATH } from '@switchboard/protocol/webhooks';
import { createWebhookAdapter, type AdaptedEvent, type AdaptResult, type WebhookAdapter } from './snapengage/webhook-adapter';
import { ADMIN_PREFIX, createAdminHandler } from './admin-routes';
import { authenticateAgent, bearerToken, checkWebhookToken } from './auth';
import { FAILED_ATTEMPTS_MESSAGE, failedAttempt } from './client-limits';
import { isJsonType, readBody, sendJson } from './http';
import { originAllowed, type Hub } from './hub';
import type { Logger } from './logger';
import type { RateLimiter } from './rate-limit';
import type { RejectReason, RelayMetrics, WebhookEndpoint } from './metrics';
import { createPhoneCallHandler } from './phone-routes';
import { quarantineId } from './quarantine';
import { PSEUDO_AGENT, type AppendResult, type EventStore, type NewEvent } from './store';

const MAX_BODY_BYTES = 1024 * 1024;

export interface RouteDeps {
  store: EventStore;
  hub: Hub;
  metrics: RelayMetrics;
  logger: Logger;
  webhookToken: string;
  secret: string;
  /** Authenticated webhooks, per endpoint (taken after the token was checked); over the limit → 429 + Retry-After. */
  webhookLimiter?: RateLimiter;
  /** Failed attempts per client key; once none are left, a wrong token is answered 429 + Retry-After instead of 401. */
  authFailures?: RateLimiter;
  /** The client key of a request (client-limits.ts). */
  clientKey?: (req: IncomingMessage) => string;
  /** false when the store fans events out itself (Redis pub/sub reaches this process's hub too). */
  publishLocally?: boolean;
  /** PHONE_WEBHOOK_TOKEN; empty = POST /phone/call-events answers 404. */
  phoneWebhookToken?: string;
  /** Origins allowed to read /api/events from a browser (the extension's); see hub.originAllowed. */
  allowedOrigins?: readonly string[];
  /** Awaited after a webhook's events are stored, before the 200 (phone sync queues its notices). */
  afterAppend?: (events: NewEvent[]) => Promise<void>;
  /** The webhook adapter, with the field map from RELAY_ADAPTER_MAP; the built-in spellings only when absent. */
  adapter?: WebhookAdapter;
  /** POST /api/status (status-api-routes.ts); absent = 404. */
  statusApi?: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
}

const WEBHOOKS: Record<string, { endpoint: WebhookEndpoint; adapt: (adapter: WebhookAdapter, body: unknown) => AdaptResult }> = {
  [CONVERSATION_EVENTS_WEBHOOK_PATH]: { endpoint: 'conversation-events', adapt: (a, body) => a.conversation(body) },
  [AGENT_STATUS_WEBHOOK_PATH]: { endpoint: 'agent-status', adapt: (a, body) => a.agentStatus(body) },
};
const BY_ENDPOINT = new Map(Object.values(WEBHOOKS).map((w) => [w.endpoint as string, w]));

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly reason?: RejectReason,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

export function createRequestHandler(deps: RouteDeps) {
  const { store, hub, metrics, logger } = deps;
  const phoneCallEvents = createPhoneCallHandler(deps);
  const adapter = deps.adapter ?? createWebhookAdapter();
  /** The adapter should answer ok/error, but a value it did not foresee must not become a 500: it is quarantined too. */
  const adaptSafely = (hook: (typeof WEBHOOKS)[string], body: unknown): AdaptResult => {
    try {
      return hook.adapt(adapter, body);
    } catch {
      return { ok: false, error: 'payload could not be read', reason: 'bad_field' };
    }
  };
  /** Reasons already logged at warn: a new shape is worth one line, not one per webhook. */
  const warnedReasons = new Set<string>();
  const admin = createAdminHandler({
    store,
    secret: deps.secret,
    logger,
    metrics,
    adapt: (endpoint, body) => {
      const hook = BY_ENDPOINT.get(endpoint);
      // Every entry came to one of WEBHOOKS; one from a newer relay sharing the store stays as it is.
      return hook ? adaptSafely(hook, body) : { ok: false, error: `this relay has no webhook endpoint ${endpoint}`, reason: 'not_object' };
    },
    deliver: (endpoint, event) => deliver(endpoint as WebhookEndpoint, event),
  });
  let inFlight = 0;
  const idleWaiters: Array<() => void> = [];

  /** A wrong or missing token: one failed attempt for the caller's address; 429 once it has none left. */
  function unauthorized(req: IncomingMessage, message: string, reason?: RejectReason): HttpError {
    const limit = failedAttempt(deps, req);
    if (!limit.ok) return new HttpError(429, FAILED_ATTEMPTS_MESSAGE, reason, { 'retry-after': String(limit.retryAfterSeconds) });
    return new HttpError(401, message, reason);
  }

  async function webhook(req: IncomingMessage, res: ServerResponse, hook: (typeof WEBHOOKS)[string]): Promise<void> {
    const receivedAt = performance.now();
    if (!checkWebhookToken(req.headers, deps.webhookToken)) throw unauthorized(req, 'missing or wrong webhook token', 'unauthorized');
    const limit = deps.webhookLimiter?.take(hook.endpoint);
    if (limit && !limit.ok)
      throw new HttpError(429, 'too many webhooks, retry later', 'rate_limited', { 'retry-after': String(limit.retryAfterSeconds) });
    if (!isJsonType(req.headers['content-type']))
      throw new HttpError(415, 'content-type must be application/json', 'unsupported_media_type');
    const raw = await readBody(req, MAX_BODY_BYTES, () => new HttpError(413, `body is larger than ${MAX_BODY_BYTES} bytes`, 'too_large'));
    let text: string;
    let body: unknown;
    try {
      text = UTF8.decode(raw);
      body = JSON.parse(text);
    } catch {
      throw new HttpError(400, 'body is not valid JSON', 'bad_json');
    }
    const adapted = adaptSafely(hook, body);
    if (!adapted.ok) return quarantine(res, hook.endpoint, raw, text, adapted);
    const { id, kind, recipients } = adapted.event;
    const results = await deliver(hook.endpoint, adapted.event, receivedAt);
    const duplicate = results.every((r) => r.duplicate);
    metrics.webhookAccepted(hook.endpoint);
    // debug, not info: one line per webhook cost ~10% of the relay's CPU under load (bench/README.md);
    // and the line's object is only built when it will be written.
    if (logger.isLevelEnabled('debug'))
      logger.debug(
        {
          endpoint: hook.endpoint,
          kind,
          eventId: id,
          recipients: recipients.length ? recipients : [PSEUDO_AGENT],
          seq: results[0]!.seq,
          duplicate,
        },
        'webhook stored',
      );
    sendJson(res, 200, { ok: true, seq: results[0]!.seq, duplicate });
  }

  /** Stores an adapted event for its recipients and forwards it: for a webhook, and for a replayed quarantine entry. */
  async function deliver(endpoint: WebhookEndpoint, event: AdaptedEvent, receivedAt?: number): Promise<AppendResult[]> {
    const { id, kind, at, data, recipients } = event;
    // Nothing accepted is dropped: an event with no addressee is kept under the pseudo-agent.
    const dataJson = JSON.stringify(data);
    const events: NewEvent[] = (recipients.length ? recipients : [PSEUDO_AGENT]).map((agent) => ({ id, agent, kind, at, data, dataJson }));
    // Forwarded once committed; answered 200 once on disk (see EventStore.append).
    const publish = deps.publishLocally === false ? undefined : (stored: AppendResult[]) => hub.publishStored(events, stored, receivedAt);
    let results: AppendResult[];
    try {
      results = await store.append(events, publish);
    } catch (err) {
      logger.error({ err: (err as Error).message, endpoint }, 'store append failed');
      throw new HttpError(503, 'event store unavailable, retry later', 'store_unavailable');
    }
    // Duplicates too: a redelivery after a failed outbox write must queue the notices then.
    await deps.afterAppend?.(events).catch((err: unknown) => {
      logger.error({ err: (err as Error).message, endpoint }, 'phone outbox write failed');
      throw new HttpError(503, 'phone outbox unavailable, retry later', 'store_unavailable');
    });
    return results;
  }

  /** Keeps a body the adapter cannot read; 202 once it is on disk (a redelivery is the same entry). */
  async function quarantine(
    res: ServerResponse,
    endpoint: WebhookEndpoint,
    raw: Buffer,
    body: string,
    failure: { error: string; reason: string },
  ): Promise<void> {
    const id = quarantineId(endpoint, raw);
    let duplicate: boolean;
    try {
      ({ duplicate } = await store.quarantine({
        id,
        endpoint,
        receivedAt: Date.now(),
        reason: failure.reason,
        detail: failure.error,
        body,
      }));
    } catch (err) {
      logger.error({ err: (err as Error).message, endpoint }, 'quarantine write failed');
      throw new HttpError(503, 'event store unavailable, retry later', 'store_unavailable');
    }
    metrics.webhookQuarantined(failure.reason);
    // The reason and where to look, never the body or the adapter's message (either may quote what was sent).
    if (!warnedReasons.has(failure.reason)) {
      warnedReasons.add(failure.reason);
      logger.warn(
        { endpoint, reason: failure.reason, quarantineId: id },
        'webhook quarantined: the adapter cannot read this shape (npm run relay -- quarantine list); logged once per reason',
      );
    } else if (logger.isLevelEnabled('debug'))
      logger.debug({ endpoint, reason: failure.reason, quarantineId: id, duplicate }, 'webhook quarantined');
    sendJson(res, 202, { quarantined: id, reason: failure.reason, duplicate });
  }

  async function listEvents(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const token = bearerToken(req.headers);
    if (!token) throw unauthorized(req, 'missing relay token (Authorization: Bearer <token>)');
    const auth = await authenticateAgent(deps.secret, token, (jti) => store.isRevoked(jti));
    if (!auth.ok) throw unauthorized(req, `relay token ${auth.reason}`);
    const after = intParam(url, 'after', 0);
    const limit = Math.min(intParam(url, 'limit', EVENTS_PAGE_DEFAULT), EVENTS_PAGE_MAX);
    if (limit < 1) throw new HttpError(400, 'limit must be at least 1');
    const events = await store.readAfter(auth.agent, after, limit);
    const page: EventsPage = {
      generation: store.generation,
      events: events.map(({ seq, id, kind, at, data }) => ({ seq, id, kind, at, data })),
    };
    sendJson(res, 200, page);
  }

  async function healthz(res: ServerResponse): Promise<void> {
    const ok = await store.healthy().catch(() => false);
    sendJson(res, ok ? 200 : 503, { ok, generation: store.generation, connectedAgents: hub.agentCount });
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://relay.invalid');
    const hook = WEBHOOKS[url.pathname];
    const allow = (method: string) => {
      if (req.method !== method) throw new HttpError(405, `use ${method}`);
    };
    if (hook) {
      allow('POST');
      return webhook(req, res, hook);
    }
    if (url.pathname.startsWith(ADMIN_PREFIX)) return admin(req, res, url);
    switch (url.pathname) {
      case PHONE_CALL_EVENTS_PATH:
        return phoneCallEvents(req, res);
      case STATUS_API_PATH:
        if (!deps.statusApi) throw new HttpError(404, 'not found');
        return deps.statusApi(req, res);
      case EVENTS_API_PATH:
        // The extension reads its history from a chrome-extension:// origin: answer CORS for allowed origins only.
        if (req.headers.origin && originAllowed(req.headers.origin, deps.allowedOrigins ?? [])) {
          res.setHeader('access-control-allow-origin', req.headers.origin);
          res.setHeader('vary', 'origin');
          if (req.method === 'OPTIONS') {
            res.writeHead(204, {
              'access-control-allow-methods': 'GET',
              'access-control-allow-headers': 'authorization',
              'access-control-max-age': '600',
            });
            res.end();
            return;
          }
        }
        allow('GET');
        return listEvents(req, res, url);
      case '/healthz':
        allow('GET');
        return healthz(res);
      case '/metrics':
        allow('GET');
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
        res.end(metrics.render());
        return;
      default:
        throw new HttpError(404, 'not found');
    }
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const started = performance.now();
    inFlight++;
    route(req, res)
      .catch((err: unknown) => {
        if (err instanceof HttpError) {
          if (err.reason) metrics.webhookRejected(err.reason);
          // A body we refused to read must not stay on a keep-alive connection: close it after answering.
          if (!res.headersSent)
            sendJson(res, err.status, { error: err.message }, req.complete ? err.headers : { ...err.headers, connection: 'close' });
          return;
        }
        if (!req.complete && req.socket.destroyed) {
          // The caller went away mid-body (a reset, a cut connection): nothing to answer, and not
          // the relay's error, so not logged as one (a flood of them must not flood the log).
          logger.debug({ path: req.url?.split('?')[0] }, 'request aborted by the client');
          return;
        }
        logger.error({ err: (err as Error)?.message, path: req.url?.split('?')[0] }, 'request failed');
        if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
        else res.destroy();
      })
      .finally(() => {
        if (logger.isLevelEnabled('debug'))
          logger.debug(
            { method: req.method, path: req.url?.split('?')[0], status: res.statusCode, ms: Math.round(performance.now() - started) },
            'request',
          );
        if (--inFlight === 0) for (const w of idleWaiters.splice(0)) w();
      });
  }

  /** Resolves when no request is being handled (used by graceful shutdown). */
  function idle(): Promise<void> {
    return inFlight === 0 ? Promise.resolve() : new Promise((r) => idleWaiters.push(r));
  }

  return { handle, idle };
}

function intParam(url: URL, name: string, fallback: number): number {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === '') return fallback;
  if (!/^\d{1,15}$/.test(raw)) throw new HttpError(400, `${name} must be a non-negative integer`);
  return Number(raw);
}
