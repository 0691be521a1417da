// HTTP endpoints. Webhooks are answered 200 only after the event is durably stored: SnapEngage
// retries anything else (docs/snapengage-contract.md), so a non-200 is how we make it try again
// rather than lose an event.
// A JSON body the adapter cannot read is answered 202 once it is durably stored in the quarantine,
// where it waits for a newer adapter or field map (admin-routes.ts), instead of being retried and lost.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { EVENTS_API_PATH, EVENTS_PAGE_DEFAULT, EVENTS_PAGE_MAX, type EventsPage } from '@switchboard/protocol/events-api';
import { PHONE_CALL_EVENTS_PATH } from '@switchboard/protocol/phone';
import { STATUS_API_PATH } from '@switchboard/protocol/status-api';
import { AGENT_STATUS_WEBHOOK_PATH, CONVERSATION_EVENTS_WEBHOOK_PATH } from '@switchboard/protocol/webhooks';
import { createWebhookAdapter, type AdaptedEvent, type AdaptResult, type WebhookAdapter } from './snapengage/webhook-adapter';
import { ADMIN_PREFIX, createAdminHandler } from './admin-routes';
import { authenticateAgent, bearerToken } from './auth';
import type { BoardRoutes } from './board/routes';
import { refusedCredential } from './client-limits';
import { HttpError, intParam, sendHttpError, sendJson } from './http';
import { originAllowed } from './origin-policy';
import type { SocketHub } from './socket-hub';
import type { Logger } from './logger';
import type { RelayMetrics, WebhookEndpoint } from './metrics';
import { checkMetricsAccess, sendMetrics } from './metrics-server';
import { createPhoneCallHandler, type PhoneRouteDeps } from './phone-routes';
import { quarantineId } from './quarantine';
import { PSEUDO_AGENT, type AppendResult, type EventStore, type NewEvent } from './store';
import { webhookPipeline, type WebhookBody, type WebhookLimits } from './webhook-pipeline';

const MAX_BODY_BYTES = 1024 * 1024;

export interface RouteDeps extends WebhookLimits {
  store: EventStore;
  hub: SocketHub;
  metrics: RelayMetrics;
  logger: Logger;
  webhookToken: string;
  secret: string;
  /** false when the store fans events out itself (Redis pub/sub reaches this process's hub too). */
  publishLocally?: boolean;
  /** PHONE_WEBHOOK_TOKEN; empty = POST /phone/call-events answers 404. */
  phoneWebhookToken?: string;
  /** Present when the relay applies calls itself (PHONE_CALL_SYNC on); see phone-routes.ts. */
  callSync?: PhoneRouteDeps['callSync'];
  /** Origins allowed to read /api/events from a browser (the extension's); see origin-policy.ts. */
  allowedOrigins?: readonly string[];
  /** Awaited after a webhook's events are stored, before the 200 (phone sync queues its notices). */
  afterAppend?: (events: NewEvent[]) => Promise<void>;
  /** Awaited after afterAppend: call sync reads the agent's status from SnapEngage's status webhook (call-sync.ts). */
  observeStatus?: (events: readonly NewEvent[]) => Promise<void>;
  /** The webhook adapter, with the field map from RELAY_ADAPTER_MAP; the built-in spellings only when absent. */
  adapter?: WebhookAdapter;
  /** POST /api/status (status-api-routes.ts); absent = 404. */
  statusApi?: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  /** Who may read GET /metrics here (metrics-server.ts); absent = this machine only, no token. */
  metricsAccess?: { token: string; ownPort: boolean };
  /** The team's board, its reports and its page (board/routes.ts); absent = their paths answer 404. */
  board?: BoardRoutes;
}

const WEBHOOKS: Record<string, { endpoint: WebhookEndpoint; adapt: (adapter: WebhookAdapter, body: unknown) => AdaptResult }> = {
  [CONVERSATION_EVENTS_WEBHOOK_PATH]: { endpoint: 'conversation-events', adapt: (a, body) => a.conversation(body) },
  [AGENT_STATUS_WEBHOOK_PATH]: { endpoint: 'agent-status', adapt: (a, body) => a.agentStatus(body) },
};
const BY_ENDPOINT = new Map(Object.values(WEBHOOKS).map((w) => [w.endpoint as string, w]));

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
    authFailures: deps.authFailures,
    clientKey: deps.clientKey,
    adapt: (endpoint, body) => {
      const hook = BY_ENDPOINT.get(endpoint);
      // Every entry came to one of WEBHOOKS; one from a newer relay sharing the store stays as it is.
      return hook ? adaptSafely(hook, body) : { ok: false, error: `this relay has no webhook endpoint ${endpoint}`, reason: 'not_object' };
    },
    deliver: (endpoint, event) => deliver(endpoint as WebhookEndpoint, event),
  });
  let inFlight = 0;
  const idleWaiters: Array<() => void> = [];

  /** SnapEngage's webhooks, each through the one pipeline (webhook-pipeline.ts). */
  const webhooks = new Map(
    Object.entries(WEBHOOKS).map(([path, hook]) => [
      path,
      webhookPipeline(deps, {
        endpoint: hook.endpoint,
        token: deps.webhookToken,
        maxBodyBytes: MAX_BODY_BYTES,
        wrongToken: 'missing or wrong webhook token',
        tooMany: 'too many webhooks, retry later',
        rejected: (reason) => metrics.webhookRejected(reason),
        handle: (webhook, res) => accept(hook, webhook, res),
      }),
    ]),
  );

  async function accept(
    hook: (typeof WEBHOOKS)[string],
    { body, bytes, text, receivedAt }: WebhookBody,
    res: ServerResponse,
  ): Promise<void> {
    const adapted = adaptSafely(hook, body);
    if (!adapted.ok) return quarantine(res, hook.endpoint, bytes, text, adapted);
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
    // Duplicates too, for the same reason; the update is idempotent.
    await deps.observeStatus?.(events).catch((err: unknown) => {
      logger.error({ err: (err as Error).message, endpoint }, 'call state update failed');
      throw new HttpError(503, 'call state unavailable, retry later', 'store_unavailable');
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
    if (!token) throw refusedCredential(deps, req, 'missing relay token (Authorization: Bearer <token>)');
    const auth = await authenticateAgent(deps.secret, token, (jti) => store.isRevoked(jti));
    if (!auth.ok && auth.reason === 'supervisor token')
      throw refusedCredential(deps, req, "a supervisor token cannot read an agent's events: use the agent's relay token", { status: 403 });
    if (!auth.ok) throw refusedCredential(deps, req, `relay token ${auth.reason}`);
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
    // A webhook's path as sent (no query) is its pathname: no URL to parse on the hot path.
    const exact = webhooks.get(req.url ?? '');
    if (exact) return exact(req, res);
    const url = new URL(req.url ?? '/', 'http://relay.invalid');
    const webhook = webhooks.get(url.pathname);
    const allow = (method: string) => {
      if (req.method !== method) throw new HttpError(405, `use ${method}`);
    };
    if (webhook) return webhook(req, res);
    if (url.pathname.startsWith(ADMIN_PREFIX)) return admin(req, res, url);
    const board = deps.board?.route(req, res, url);
    if (board) return board;
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
        checkMetricsAccess(
          req,
          { token: '', ownPort: false, ...deps.metricsAccess, authFailures: deps.authFailures, clientKey: deps.clientKey },
          'main',
        );
        allow('GET');
        return sendMetrics(res, metrics);
      default:
        throw new HttpError(404, 'not found');
    }
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const started = performance.now();
    inFlight++;
    route(req, res)
      .catch((err: unknown) => {
        if (err instanceof HttpError) return sendHttpError(req, res, err);
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
