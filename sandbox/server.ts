// The local SnapEngage stand-in. Everything the HTTP control routes can do is also a method
// here, so end-to-end tests drive it in-process without going through HTTP.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { type StatusRequestShape, statusRequestShape, StatusRequestOverride } from '@switchboard/protocol/agent-status-request';
import type { AgentStatus } from '@switchboard/protocol/status';
import { handleApi, type ApiContext } from './agent-status-api';
import { AgentDirectory, type AgentState, type StatusChange } from './agents';
import { handleControl } from './control-routes';
import { SandboxError } from './errors';
import { FailureSwitch, type Failure, type FailureState } from './failure';
import { BodyTooLargeError, CORS_HEADERS, bodyForLog, readBody, sendJson } from './http-util';
import { CONVERSATION_KINDS, isConversationKind, type ConversationKind } from '@switchboard/protocol/event-kinds';
import { agentStatusEvent, conversationEvent, type Label, type Spelling, type Survey } from './payloads';
import { RequestLog, type RecordedRequest } from './request-log';
import {
  DEFAULT_RETRY,
  deliverTwice,
  deliverWebhook,
  reorder,
  type BatchOrder,
  type DeliveryOptions,
  type DeliveryResult,
  type TokenHeader,
} from './webhook-sender';

export type { RecordedRequest } from './request-log';

export const DEFAULT_PORT = 8788;
export const DEFAULT_ORG_ID = '6418107096367104';
export const DEFAULT_API_TOKEN = 'sandbox-token-0123456789abcdef';
export const DEFAULT_AGENTS = ['alice@example.com', 'bob@example.com'] as const;

interface WebhookConfig {
  conversationUrl?: string;
  statusUrl?: string;
  token?: string;
  /** default Authorization */
  header: TokenHeader;
  /** default bare, as SnapEngage sends it */
  scheme: 'bare' | 'bearer';
  maxAttempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
  /** per attempt */
  timeoutMs: number;
}

type WebhookOptions = Partial<WebhookConfig>;

export interface SandboxOptions {
  /** 0 = random; default 8788 */
  port?: number;
  host?: string;
  orgId?: string;
  apiToken?: string;
  agents?: readonly string[];
  /**
   * The Agent Status request this SnapEngage takes, when not the inferred one: another path, other
   * field names, a Bearer token. A request in the inferred shape is then refused (404, 400, 401).
   */
  statusRequest?: StatusRequestOverride;
  webhook?: WebhookOptions;
  /** one line per request answered and webhook delivered (the CLI prints them) */
  log?: (line: string) => void;
}

interface FireOptions {
  /** default: the first agent */
  agent?: string;
  visitorName?: string;
  visitorEmail?: string;
  question?: string;
  /** default: a new conversation for assigned/queued/broadcasted, else the agent's latest */
  conversationId?: string;
  /** transferred: default the agent's colleague */
  fromAgent?: string;
  eventId?: string;
  timestamp?: number;
  labels?: Label[];
  survey?: Survey;
  /** deliver the same body twice */
  duplicate?: boolean;
  spelling?: Spelling | Spelling[];
}

type BatchItem = FireOptions & { kind: ConversationKind };

export interface RecordedDelivery extends DeliveryResult {
  /** a conversation kind, or "agent_status" */
  kind: string;
  /** ISO time the delivery finished */
  time: string;
}

interface HubStatusResult {
  agent: AgentState;
  /** null when no status webhook URL is configured */
  delivery: DeliveryResult | null;
}

export interface Sandbox {
  url: string;
  port: number;
  orgId: string;
  apiToken: string;
  /** The Agent Status request it takes (the inferred one unless started with `statusRequest`). */
  statusRequest: StatusRequestShape;
  close(): Promise<void>;
  requests(): RecordedRequest[];
  clearRequests(): void;
  setFailure(failure: Failure | null): void;
  failure(): FailureState | null;
  agentStatus(email: string): AgentState | undefined;
  agents(): AgentState[];
  fire(kind: ConversationKind, opts?: FireOptions): Promise<DeliveryResult>;
  /** builds the events in the given order, then delivers them in `order` (default reverse) */
  fireBatch(items: readonly BatchItem[], order?: BatchOrder): Promise<DeliveryResult[]>;
  /** a change "made in the Hub": sets the status and sends the status webhook */
  changeStatusInHub(email: string, status: AgentStatus, substatus?: string | null): Promise<HubStatusResult>;
  webhookConfig(): WebhookConfig;
  configureWebhooks(patch: { [K in keyof WebhookConfig]?: WebhookConfig[K] | null }): WebhookConfig;
  deliveries(): RecordedDelivery[];
  clearDeliveries(): void;
  /** resolves once every webhook in flight (e.g. status echoes) has finished */
  idle(): Promise<void>;
}

interface ConversationRecord {
  id: string;
  visitorName?: string;
  visitorEmail?: string;
  question?: string;
  createdAt: number;
}

const NEW_CONVERSATION_KINDS: readonly ConversationKind[] = ['assigned', 'queued', 'broadcasted'];

export async function createSandbox(opts: SandboxOptions = {}): Promise<Sandbox> {
  const host = opts.host ?? '127.0.0.1';
  const orgId = opts.orgId ?? DEFAULT_ORG_ID;
  const apiToken = opts.apiToken ?? DEFAULT_API_TOKEN;
  const statusRequest = statusRequestShape(StatusRequestOverride.parse(opts.statusRequest ?? {}));
  const log = opts.log ?? (() => undefined);
  const directory = new AgentDirectory(opts.agents ?? DEFAULT_AGENTS);
  const failures = new FailureSwitch();
  const requestLog = new RequestLog();
  const deliveryLog: RecordedDelivery[] = [];
  const inFlight = new Set<Promise<unknown>>();
  const hanging = new Set<ServerResponse>();
  const sockets = new Set<Socket>();
  const conversations = new Map<string, ConversationRecord>();
  const entries = new WeakMap<IncomingMessage, RecordedRequest>();
  const shutdown = new AbortController();
  let webhook: WebhookConfig = {
    header: 'Authorization',
    scheme: 'bare',
    ...DEFAULT_RETRY,
    timeoutMs: 10_000,
    ...withoutUndefined(opts.webhook ?? {}),
  };

  function deliveryOptions(): DeliveryOptions {
    return {
      ...(webhook.token !== undefined && { token: webhook.token }),
      header: webhook.header,
      scheme: webhook.scheme,
      maxAttempts: webhook.maxAttempts,
      initialDelayMs: webhook.initialDelayMs,
      maxDelayMs: webhook.maxDelayMs,
      timeoutMs: webhook.timeoutMs,
      signal: shutdown.signal,
    };
  }

  function track<T>(promise: Promise<T>): Promise<T> {
    inFlight.add(promise);
    void promise.finally(() => inFlight.delete(promise)).catch(() => undefined);
    return promise;
  }

  function remember(kind: string, result: DeliveryResult): DeliveryResult {
    const results = result.duplicate ? [result, result.duplicate] : [result];
    for (const r of results) {
      const { duplicate: _d, ...plain } = r;
      deliveryLog.push({ ...plain, kind, time: new Date().toISOString() });
      log(`webhook ${kind} → ${r.url}: ${r.status ?? r.error} after ${r.attempts} attempt(s)`);
    }
    if (deliveryLog.length > 2000) deliveryLog.splice(0, deliveryLog.length - 2000);
    return result;
  }

  function sendStatusWebhook(change: StatusChange): Promise<DeliveryResult> | null {
    const url = webhook.statusUrl;
    if (!url) return null;
    const body = agentStatusEvent({
      agentId: change.current.agentId,
      status: change.current.status,
      substatus: change.current.substatus,
      previousStatus: change.previous.status,
      timestamp: Date.parse(change.current.updatedAt),
    });
    return track(deliverWebhook(url, body, deliveryOptions()).then((r) => remember('agent_status', r)));
  }

  function buildConversationEvent(kind: ConversationKind, fire: FireOptions) {
    if (!isConversationKind(kind)) {
      throw new SandboxError(`Unknown kind "${String(kind)}"; use one of ${CONVERSATION_KINDS.join(', ')}`, 400);
    }
    const agent = fire.agent ?? directory.emails()[0] ?? 'alice@example.com';
    const fromAgent =
      kind === 'transferred' ? (fire.fromAgent ?? directory.emails().find((e) => e.toLowerCase() !== agent.toLowerCase())) : undefined;
    const known = fire.conversationId
      ? conversations.get(fire.conversationId)
      : NEW_CONVERSATION_KINDS.includes(kind)
        ? undefined
        : ((fromAgent ? conversations.get(`agent:${fromAgent.toLowerCase()}`) : undefined) ??
          conversations.get(`agent:${agent.toLowerCase()}`));
    const timestamp = fire.timestamp ?? Date.now();
    const record: ConversationRecord = {
      id: fire.conversationId ?? known?.id ?? randomUUID(),
      createdAt: known?.createdAt ?? timestamp - 10_000,
    };
    const visitorName = fire.visitorName ?? known?.visitorName;
    const visitorEmail = fire.visitorEmail ?? known?.visitorEmail;
    const question = fire.question ?? known?.question;
    if (visitorName !== undefined) record.visitorName = visitorName;
    if (visitorEmail !== undefined) record.visitorEmail = visitorEmail;
    if (question !== undefined) record.question = question;
    conversations.set(record.id, record);
    if (!NEW_CONVERSATION_KINDS.includes(kind) || kind === 'assigned') {
      conversations.set(`agent:${agent.toLowerCase()}`, record);
    }
    return conversationEvent(kind, {
      agent,
      conversationId: record.id,
      createdAt: record.createdAt,
      timestamp,
      ...(visitorName !== undefined && { visitorName }),
      ...(visitorEmail !== undefined && { visitorEmail }),
      ...(question !== undefined && { question }),
      ...(fromAgent !== undefined && { fromAgent }),
      ...(fire.eventId !== undefined && { eventId: fire.eventId }),
      ...(fire.labels !== undefined && { labels: fire.labels }),
      ...(fire.survey !== undefined && { survey: fire.survey }),
      ...(fire.spelling !== undefined && { spelling: fire.spelling }),
    });
  }

  function conversationTarget(): string {
    if (!webhook.conversationUrl) {
      throw new SandboxError('No conversation webhook URL configured (webhook.conversationUrl or POST /__sandbox/config)', 409);
    }
    return webhook.conversationUrl;
  }

  const apiContext: ApiContext = {
    orgId,
    apiToken,
    statusRequest,
    agents: directory,
    failures,
    hang(req, res) {
      const entry = entries.get(req);
      if (entry) entry.status = 'hang';
      hanging.add(res);
      log(`${req.method} ${req.url} → (hanging on purpose)`);
    },
    onStatusSet(change) {
      // SnapEngage echoes every change, the agent's own included.
      sendStatusWebhook(change);
    },
  };

  const sandbox: Sandbox = {
    url: '',
    port: 0,
    orgId,
    apiToken,
    statusRequest,
    close,
    requests: () => requestLog.all(),
    clearRequests: () => requestLog.clear(),
    setFailure: (failure) => failures.set(failure),
    failure: () => failures.current(),
    agentStatus: (email) => directory.get(email),
    agents: () => directory.list(),
    async fire(kind, fire = {}) {
      const url = conversationTarget();
      const body = buildConversationEvent(kind, fire);
      const deliver = fire.duplicate ? deliverTwice : deliverWebhook;
      return track(deliver(url, body, deliveryOptions()).then((r) => remember(kind, r)));
    },
    async fireBatch(items, order = 'reverse') {
      const url = conversationTarget();
      const built = items.map(({ kind, ...fire }) => ({ kind, body: buildConversationEvent(kind, fire) }));
      const run = async () => {
        const results: DeliveryResult[] = [];
        for (const { kind, body } of reorder(built, order)) {
          results.push(remember(kind, await deliverWebhook(url, body, deliveryOptions())));
        }
        return results;
      };
      return track(run());
    },
    async changeStatusInHub(email, status, substatus) {
      const change = directory.set(email, status, substatus);
      if (!change) throw new SandboxError(`Unknown agent ${email}`, 404);
      const delivery = sendStatusWebhook(change);
      return { agent: change.current, delivery: delivery ? await delivery : null };
    },
    webhookConfig: () => ({ ...webhook }),
    configureWebhooks(patch) {
      const next: Record<string, unknown> = { ...webhook };
      for (const [key, value] of Object.entries(patch)) {
        if (value === null) delete next[key];
        else if (value !== undefined) next[key] = value;
      }
      webhook = next as unknown as WebhookConfig;
      return { ...webhook };
    },
    deliveries: () => structuredClone(deliveryLog),
    clearDeliveries: () => void deliveryLog.splice(0),
    async idle() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
  };

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sandbox.invalid');
    const isControl = url.pathname === '/__sandbox' || url.pathname.startsWith('/__sandbox/');
    let raw = '';
    try {
      raw = await readBody(req);
    } catch (err) {
      if (err instanceof BodyTooLargeError) return sendJson(res, 413, { message: err.message });
      throw err;
    }
    // Control traffic (the page refreshing itself, tests reading the log) would drown the log.
    if (!isControl) {
      const entry = requestLog.record(req, url, bodyForLog(raw));
      entries.set(req, entry);
      res.on('finish', () => {
        entry.status = res.statusCode;
        log(`${req.method} ${url.pathname} → ${res.statusCode}`);
      });
    }
    if (req.method === 'OPTIONS') {
      res.writeHead(204, CORS_HEADERS);
      res.end();
      return;
    }
    if (isControl) return handleControl(sandbox, pageState, req, res, url, raw);
    return handleApi(apiContext, req, res, url, raw);
  }

  function pageState() {
    return {
      url: sandbox.url,
      orgId,
      apiToken,
      agents: directory.list(),
      failure: failures.current(),
      webhook,
      requests: requestLog.all(),
      deliveries: deliveryLog,
    };
  }

  const server = createServer((req, res) => {
    onRequest(req, res).catch((err: unknown) => {
      if (err instanceof SandboxError) return sendJson(res, err.status, { message: err.message });
      log(`error: ${err instanceof Error ? err.stack : String(err)}`);
      if (!res.headersSent) sendJson(res, 500, { message: 'Sandbox error' });
      else res.destroy();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? DEFAULT_PORT, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  sandbox.port = port;
  sandbox.url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  let closing: Promise<void> | undefined;
  function close(): Promise<void> {
    closing ??= (async () => {
      shutdown.abort();
      for (const res of hanging) res.destroy();
      hanging.clear();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      for (const socket of sockets) socket.destroy();
      await closed;
      await Promise.allSettled([...inFlight]);
    })();
    return closing;
  }

  return sandbox;
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
