// The local SnapEngage stand-in: it implements docs/snapengage-contract.md. Everything the HTTP
// control routes can do is also a method here, so end-to-end tests drive it in-process without
// going through HTTP.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { type StatusRequestShape, statusRequestShape, StatusRequestOverride } from '@switchboard/protocol/agent-status-request';
import type { ConversationKind } from '@switchboard/protocol/event-kinds';
import type { AgentStatus } from '@switchboard/protocol/status';
import { readBody, sendJson } from 'switchboard-relay/http';
import { handleApi, type ApiContext } from './agent-status-api';
import { AgentDirectory, type AgentState } from './agents';
import { handleControl } from './control-routes';
import { Conversations, type FireOptions } from './conversations';
import { SandboxError } from './errors';
import { FailureSwitch, type Failure, type FailureState } from './failure';
import { BodyTooLargeError, bodyForLog, CORS_HEADERS, MAX_BODY_BYTES } from './http-util';
import { RequestLog, type RecordedRequest } from './request-log';
import { WebhookDeliveries, type RecordedDelivery, type WebhookConfig, type WebhookOptions } from './webhook-deliveries';
import type { BatchOrder, DeliveryResult } from './webhook-sender';

export type { RecordedRequest } from './request-log';

export const DEFAULT_PORT = 8788;
export const DEFAULT_ORG_ID = '6418107096367104';
export const DEFAULT_API_TOKEN = 'sandbox-token-0123456789abcdef';
export const DEFAULT_AGENTS = ['alice@example.com', 'bob@example.com'] as const;

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

type BatchItem = FireOptions & { kind: ConversationKind };

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
  /** a change "made in the Hub" (SnapEngage's agent UI): sets the status and sends the status webhook */
  changeStatusInHub(email: string, status: AgentStatus, substatus?: string | null): Promise<HubStatusResult>;
  webhookConfig(): WebhookConfig;
  configureWebhooks(patch: { [K in keyof WebhookConfig]?: WebhookConfig[K] | null }): WebhookConfig;
  deliveries(): RecordedDelivery[];
  clearDeliveries(): void;
  /** resolves once every webhook in flight (e.g. status echoes) has finished */
  idle(): Promise<void>;
}

export async function createSandbox(opts: SandboxOptions = {}): Promise<Sandbox> {
  const host = opts.host ?? '127.0.0.1';
  const orgId = opts.orgId ?? DEFAULT_ORG_ID;
  const apiToken = opts.apiToken ?? DEFAULT_API_TOKEN;
  const statusRequest = statusRequestShape(StatusRequestOverride.parse(opts.statusRequest ?? {}));
  const log = opts.log ?? (() => undefined);
  const directory = new AgentDirectory(opts.agents ?? DEFAULT_AGENTS);
  const failures = new FailureSwitch();
  const requestLog = new RequestLog();
  const webhooks = new WebhookDeliveries(opts.webhook ?? {}, log);
  const conversations = new Conversations(directory);
  const hanging = new Set<ServerResponse>();
  const sockets = new Set<Socket>();
  const entries = new WeakMap<IncomingMessage, RecordedRequest>();

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
      void webhooks.status(change);
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
      const url = webhooks.conversationUrl();
      return webhooks.send(kind, url, conversations.event(kind, fire), fire.duplicate);
    },
    async fireBatch(items, order = 'reverse') {
      const url = webhooks.conversationUrl();
      return webhooks.sendBatch(
        url,
        items.map(({ kind, ...fire }) => ({ kind, body: conversations.event(kind, fire) })),
        order,
      );
    },
    async changeStatusInHub(email, status, substatus) {
      const change = directory.set(email, status, substatus);
      if (!change) throw new SandboxError(`Unknown agent ${email}`, 404);
      const delivery = webhooks.status(change);
      return { agent: change.current, delivery: delivery ? await delivery : null };
    },
    webhookConfig: () => webhooks.current(),
    configureWebhooks: (patch) => webhooks.configure(patch),
    deliveries: () => structuredClone([...webhooks.recorded()]),
    clearDeliveries: () => webhooks.clear(),
    idle: () => webhooks.idle(),
  };

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sandbox.invalid');
    const isControl = url.pathname === '/__sandbox' || url.pathname.startsWith('/__sandbox/');
    let raw = '';
    try {
      raw = (await readBody(req, MAX_BODY_BYTES, () => new BodyTooLargeError(`body larger than ${MAX_BODY_BYTES} bytes`))).toString('utf8');
    } catch (err) {
      // The rest of a body we refused is not read: the connection closes after the answer.
      if (err instanceof BodyTooLargeError) return sendJson(res, 413, { message: err.message }, { connection: 'close' });
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
      res.writeHead(204);
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
      webhook: webhooks.current(),
      requests: requestLog.all(),
      deliveries: webhooks.recorded(),
    };
  }

  const server = createServer((req, res) => {
    for (const [name, value] of Object.entries(CORS_HEADERS)) res.setHeader(name, value);
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
      const deliveries = webhooks.close();
      for (const res of hanging) res.destroy();
      hanging.clear();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      for (const socket of sockets) socket.destroy();
      await closed;
      await deliveries;
    })();
    return closing;
  }

  return sandbox;
}
