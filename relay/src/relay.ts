// Assembles the relay: store + HTTP routes + websocket hub on one node:http server.
// Tests call createRelay in-process with port 0; cli.ts is the same thing with flags.
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import { pino } from 'pino';
import type { AddressInfo, Socket } from 'node:net';
import { parseFieldMap } from './snapengage/adapter-map';
import { createWebhookAdapter, type FieldMap } from './snapengage/webhook-adapter';
import { clientKey, ConnectionGuard, refuseSocket, TrustedProxies } from './client-limits';
import { BoardState } from './board/board-state';
import { createBoardRoutes, defaultBoardDir, type StreamLimits } from './board/routes';
import { CallSync, CallSyncMetrics } from './call-sync';
import { CONFIG_DEFAULTS, crossFieldProblems, phoneCallSyncOn, RelayConfigSchema, type RelayConfig } from './config';
import type { PresenceTiming } from './redis-presence';
import { SocketHub } from './socket-hub';
import { createLogger, type Logger } from './logger';
import { RelayMetrics } from './metrics';
import { createMetricsServer, listenMetrics } from './metrics-server';
import { PhoneOutbox, phoneOutboxPathFor, type PhoneOutboxTiming } from './phone-outbox';
import { createRequestHandler } from './routes';
import { RateLimiter } from './rate-limit';
import { RedisPhoneOutboxStore } from './redis-phone-outbox';
import { RelayRedisStore } from './redis-store';
import { SqlitePhoneOutboxStore } from './sqlite-phone-outbox';
import { SqliteEventStore } from './sqlite-store';
import { createStatusCallReporter } from './snapengage/status-call-report';
import { createStatusApiHandler, relayModeFrom, STATUS_RATE_BURST } from './status-api-routes';
import type { EventStore } from './store';

export interface RelayOptions extends Partial<RelayConfig> {
  webhookToken: string;
  secret: string;
  /** Where JSON log lines go (any `{ write(line) }`); stdout when absent. Tests capture logs with it. */
  logDestination?: { write(line: string): void };
  logger?: Logger;
  /** Use this store instead of opening `dbPath` (another implementation, or a fault-injecting one in tests). Not closed by the relay. */
  store?: EventStore;
  /**
   * The rate limiters' clock (ms; default performance.now). Tests freeze it so that the time their
   * requests take on a slow machine cannot refill a bucket mid-test.
   */
  rateLimitClock?: () => number;
  /** Time a new socket has to send its hello (default 10 s). */
  helloTimeoutMs?: number;
  /** Unsent bytes above which a live socket is closed as a slow consumer (default 1 MiB). */
  maxBufferedBytes?: number;
  /** Sockets one agent may hold at once (default 16). */
  maxSocketsPerAgent?: number;
  /** How long close() waits for in-flight requests (default 10 s). */
  shutdownTimeoutMs?: number;
  /** Phone notice retry timing (tests shorten it) and, in SQLite mode, its queue file (default `<dbPath>.phone-outbox`). */
  phoneOutbox?: Partial<PhoneOutboxTiming> & { path?: string };
  /** Relay mode: how long a call to SnapEngage's Agent Status API may take (default 10 s). */
  statusCallTimeoutMs?: number;
  /** The board's streams: caps and keep-alive interval (tests make them small). */
  boardStreams?: Partial<StreamLimits>;
  /** Redis mode: how often presence is rewritten and when a silent process counts as gone (tests shorten them). */
  presenceTiming?: Partial<PresenceTiming>;
}

export interface Relay {
  /** `http://host:port` */
  url: string;
  /** `ws://host:port/ws` */
  wsUrl: string;
  port: number;
  /** `http://host:port/metrics` on RELAY_METRICS_PORT; absent when /metrics is on the main port. */
  metricsUrl?: string;
  store: EventStore;
  metrics: RelayMetrics;
  config: Readonly<RelayConfig>;
  /** Stop accepting, finish in-flight webhooks, close sockets with 1001, close the store. */
  close(): Promise<void>;
}

const HOUR_MS = 3_600_000;

export async function createRelay(options: RelayOptions): Promise<Relay> {
  const parsed = RelayConfigSchema.safeParse({ ...CONFIG_DEFAULTS, ...definedOnly(options) });
  if (!parsed.success) {
    // Names only: values may be secrets.
    throw new Error(`invalid relay config: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`);
  }
  const config = parsed.data;
  const crossField = crossFieldProblems(config);
  if (crossField.length) throw new Error(`invalid relay config: ${crossField.join(' ')}`);
  // Before anything is opened: a bad map must stop the start, not surface at the first webhook.
  const fieldMap = config.adapterMap ? loadFieldMap(config.adapterMap) : undefined;
  const relayMode = relayModeFrom(config, { timeoutMs: options.statusCallTimeoutMs });
  const callSyncOn = phoneCallSyncOn(config);
  // stdout is written asynchronously (sonic-boom coalesces lines while a write is in flight; pino
  // flushes it on exit): a synchronous write per webhook cost ~10% of the relay's CPU under load.
  const logger = options.logger ?? createLogger(config.logLevel, options.logDestination ?? pino.destination({ dest: 1, sync: false }));
  const ownsStore = !options.store;
  const store: EventStore =
    options.store ??
    (config.redisUrl
      ? await RelayRedisStore.open(config.redisUrl, { onError: (err) => logger.warn({ err: err.message }, 'redis connection trouble') })
      : new SqliteEventStore(config.dbPath));
  if (callSyncOn && !store.callStates) {
    if (ownsStore) await store.close();
    throw new Error('invalid relay config: PHONE_CALL_SYNC is on but this store keeps no call state');
  }
  const durability = await store.durabilityWarning?.().catch(() => undefined);
  if (durability) logger.warn(durability.details, durability.message);
  // Authenticate first, then limit: the per-address limit counts failed attempts only, so a flood of
  // wrong tokens from SnapEngage's (or the proxy's) address cannot push real webhooks into 429;
  // those have their own limit per endpoint, taken after the token was checked.
  const clock = options.rateLimitClock;
  const webhookLimiter = new RateLimiter(config.webhookRateLimit, config.webhookRateLimit * 5, undefined, clock);
  const authFailures = new RateLimiter(config.authFailureLimit / 60, config.authFailureLimit, undefined, clock);
  // Websockets have a bucket of their own: a refused upgrade also refuses the good agents behind
  // that address (the token only comes with the hello), so only websocket failures may cause it.
  const helloFailures = new RateLimiter(config.authFailureLimit / 60, config.authFailureLimit, undefined, clock);
  const connectLimiter = new RateLimiter(config.wsRateLimit / 60, config.wsRateLimit, undefined, clock);
  const statusLimiter = new RateLimiter(config.statusRateLimit / 60, Math.min(STATUS_RATE_BURST, config.statusRateLimit), undefined, clock);
  const trusted = new TrustedProxies(config.trustProxy);
  const keyOf = (req: IncomingMessage) => clientKey(req, trusted);
  const guard = new ConnectionGuard(
    {
      maxUnauthenticated: config.maxUnauthConnections,
      maxUnauthenticatedPerAddress: config.maxUnauthPerAddress,
      maxPendingHellos: config.maxPendingHellos,
    },
    trusted,
  );

  // The team's board (board/board-state.ts): fed by the hub with every event it forwards. With
  // several processes on one Redis, an agent's socket to any of them counts as connected.
  const board = new BoardState({ source: store.reportSource, retentionDays: config.retentionDays, logger });
  const presence = await store.sharePresence?.((agent, connected) => board.presence(agent, connected), options.presenceTiming);
  let hub!: SocketHub;
  const metrics = new RelayMetrics(() => ({
    agents: hub.agentCount,
    sockets: hub.socketCount,
    unauthenticated: guard.unauthenticated,
    pendingHellos: guard.pendingHellos,
  }));
  hub = new SocketHub({
    store,
    secret: config.secret,
    logger,
    metrics: () => metrics,
    allowedOrigins: config.allowedOrigins,
    pingIntervalMs: config.pingIntervalMs,
    helloTimeoutMs: options.helloTimeoutMs ?? 10_000,
    maxBufferedBytes: options.maxBufferedBytes ?? 1024 * 1024,
    maxSocketsPerAgent: options.maxSocketsPerAgent ?? 16,
    replayPageSize: 500,
    connectLimiter,
    clientKey: keyOf,
    guard,
    authFailures: helloFailures,
    observer: {
      event: (event) => board.event(event),
      presence: (agent, connected) => (presence ? presence.set(agent, connected) : board.presence(agent, connected)),
    },
  });
  // A store that fans out (Redis pub/sub) hands over the events of every relay process, this one's included.
  const fanOut = store.fanOut !== undefined;
  await store.fanOut?.(
    (event, prev) => hub.publish(event, undefined, prev),
    () => {
      hub.resync();
      // Events published during the break reached no process's board: read them from the store.
      void board.load();
    },
  );
  // Phone sync (docs/phone-sync.md): chat notices to PHONE_SYSTEM_URL, queued durably before each webhook's 200.
  // Beside the events: in Redis when they are (any relay process sends what any other queued), else a file next to the database.
  const phoneOutbox = config.phoneSystemUrl
    ? new PhoneOutbox({
        ...options.phoneOutbox,
        store: config.redisUrl
          ? await RedisPhoneOutboxStore.open(config.redisUrl, {
              onError: (err) => logger.warn({ err: err.message }, 'redis connection trouble (phone outbox)'),
            })
          : new SqlitePhoneOutboxStore(options.phoneOutbox?.path ?? phoneOutboxPathFor(config.dbPath)),
        url: config.phoneSystemUrl,
        token: config.phoneSystemToken,
        logger,
        metrics,
      })
    : undefined;
  // One per relay: POST /api/status and call sync log SnapEngage's refusals through one throttle.
  const reporter = relayMode && createStatusCallReporter({ logger, metrics, apiBase: relayMode.summary.apiBase });
  // Server-side call sync (docs/phone-sync.md): the relay applies call events to the agent's status itself.
  const callSyncMetrics = new CallSyncMetrics();
  const callSync =
    callSyncOn && relayMode && reporter && store.callStates
      ? new CallSync({
          states: store.callStates,
          client: relayMode.client,
          reporter,
          publish: (events) => store.append(events, fanOut ? undefined : (results) => hub.publishStored(events, results)),
          logger,
          metrics: callSyncMetrics,
          substatus: config.phoneCallSubstatus,
          timeoutMs: options.statusCallTimeoutMs,
        })
      : undefined;
  if (callSync) metrics.addSeries(() => callSyncMetrics.render());
  const boardRoutes = createBoardRoutes({
    secret: config.secret,
    store,
    board,
    logger,
    boardDir: config.boardDir || defaultBoardDir(),
    guard,
    authFailures,
    clientKey: keyOf,
    streamLimits: options.boardStreams,
  });
  metrics.addSeries(
    () =>
      `# HELP relay_board_streams Open streams of the team's board (GET /api/board/stream).\n# TYPE relay_board_streams gauge\nrelay_board_streams ${boardRoutes.streamCount}\n`,
  );
  const routes = createRequestHandler({
    store,
    hub,
    metrics,
    logger,
    webhookToken: config.webhookToken,
    secret: config.secret,
    webhookLimiter,
    authFailures,
    clientKey: keyOf,
    publishLocally: !fanOut,
    phoneWebhookToken: config.phoneWebhookToken,
    allowedOrigins: config.allowedOrigins,
    afterAppend: phoneOutbox && ((events) => phoneOutbox.enqueue(events)),
    observeStatus: callSync && ((events) => callSync.observe(events)),
    callSync,
    adapter: createWebhookAdapter(fieldMap),
    statusApi: createStatusApiHandler({
      secret: config.secret,
      store,
      metrics,
      logger,
      relayMode,
      callSync,
      ...(reporter && { reporter }),
      limiter: statusLimiter,
      authFailures,
      clientKey: keyOf,
      allowedOrigins: config.allowedOrigins,
    }),
    metricsAccess: { token: config.metricsToken, ownPort: config.metricsPort !== null },
    board: boardRoutes,
  });
  const metricsServer =
    config.metricsPort === null
      ? undefined
      : createMetricsServer(metrics, { token: config.metricsToken, ownPort: true, authFailures, clientKey: keyOf }, logger);

  const server = createServer(
    {
      // A webhook's or an upgrade's headers arrive in one packet or two: 10 s is generous for a
      // slow link and short enough that a slowloris client holding a socket open is cut off early
      // (Node's default is 60 s, checked every 30 s; here every second).
      headersTimeout: 10_000,
      // The whole request, body included: 1 MiB at the slowest link SnapEngage plausibly uses.
      requestTimeout: 30_000,
      connectionsCheckingInterval: 1000,
    },
    routes.handle,
  );
  // Longer than a reverse proxy's idle upstream keep-alive (nginx and cloud load balancers: 60 s):
  // if the relay closed first, a webhook POSTed on the dying connection would come back 502.
  // Idle connections count as unauthenticated, so the caps bound what this lets anyone hold.
  server.keepAliveTimeout = 65_000;
  server.on('connection', (socket: Socket) => {
    const refused = guard.admit(socket);
    if (refused) metrics.connectionRefused(refused.reason);
  });
  server.on('upgrade', (req, socket, head) => hub.handleUpgrade(req, socket, head));
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    // A request Node could not parse, or one too slow: answered like Node would (once nothing
    // else was written on the socket), then destroyed, never left half-open.
    const s = socket as Socket;
    if (err.code === 'ECONNRESET' || !s.writable || s.bytesWritten > 0) return s.destroy();
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    refuseSocket(s, status, status === 431 ? 'request headers too large' : status === 408 ? 'request timed out' : 'bad request');
  });

  const prune = async () => {
    try {
      const cutoff = new Date(Date.now() - config.retentionDays * 86_400_000);
      const removed = await store.prune(cutoff);
      if (removed) logger.info({ removed, retentionDays: config.retentionDays }, 'pruned old events');
      // Same retention: an entry nobody replayed within it goes the way its event would have.
      const quarantined = await store.pruneQuarantine(cutoff);
      if (quarantined)
        logger.warn({ removed: quarantined, retentionDays: config.retentionDays }, 'pruned quarantine entries nobody replayed');
      // Same retention: an agent's call state untouched that long (a call whose end never came included).
      const callStates = await store.callStates?.prune(cutoff);
      if (callStates) logger.info({ removed: callStates, retentionDays: config.retentionDays }, 'pruned call states');
      board.prune();
    } catch (err) {
      logger.error({ err: (err as Error).message }, 'prune failed');
    }
  };
  await prune();
  // In the background, after the prune: the first board request waits for it, webhooks and agents do not.
  void board.load();
  const pruneTimer = setInterval(() => void prune(), HOUR_MS).unref();

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      logger.info('relay shutting down');
      board.close();
      clearInterval(pruneTimer);
      webhookLimiter.stop();
      authFailures.stop();
      helloFailures.stop();
      connectLimiter.stop();
      statusLimiter.stop();
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      metricsServer?.close();
      metricsServer?.closeAllConnections();
      const timeout = options.shutdownTimeoutMs ?? 10_000;
      await Promise.race([routes.idle(), new Promise((r) => setTimeout(r, timeout).unref())]);
      boardRoutes.close();
      await hub.close();
      await presence?.close();
      server.closeAllConnections();
      await stopped;
      await callSync?.close();
      await phoneOutbox?.close();
      if (ownsStore) await store.close();
      metrics.stop();
      logger.info('relay stopped');
    })();
    return closing;
  };

  let metricsPort: number | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    if (metricsServer) {
      metricsPort = await listenMetrics(metricsServer, config.metricsPort!, config.metricsHost);
      metricsServer.on('error', (err) => logger.error({ err: err.message }, 'metrics server error'));
    }
  } catch (err) {
    // Nothing half-started stays behind (an in-process caller, a test, goes on running).
    await close();
    throw err;
  }
  // accept() can fail (EMFILE when out of file descriptors): Node reports it as a server 'error',
  // which, unheard, would end the process. The server keeps listening.
  server.on('error', (err) => logger.error({ err: err.message }, 'server error'));
  const port = (server.address() as AddressInfo).port;
  const urlHost = (host: string) => (host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host);
  const hostForUrl = urlHost(config.host);
  logger.info(
    {
      host: config.host,
      port,
      db: options.store ? '(injected store)' : config.redisUrl ? 'redis' : config.dbPath,
      generation: store.generation,
    },
    'relay listening',
  );
  logger.info(
    metricsPort === undefined
      ? { port, bearer: Boolean(config.metricsToken) }
      : { host: config.metricsHost, port: metricsPort, bearer: Boolean(config.metricsToken) },
    'metrics (GET /metrics)',
  );
  logger.info({ callEvents: Boolean(config.phoneWebhookToken), notices: Boolean(phoneOutbox) }, 'phone sync');
  logger.info(relayMode ? { on: true, ...relayMode.summary } : { on: false }, 'relay mode (POST /api/status)');
  logger.info(
    callSync ? { on: true, substatus: config.phoneCallSubstatus } : { on: false, setting: config.phoneCallSync },
    'phone call sync by the relay (PHONE_CALL_SYNC)',
  );
  if (fieldMap)
    logger.info(
      { conversationEvents: Object.keys(fieldMap.conversationEvents ?? {}), agentStatus: Object.keys(fieldMap.agentStatus ?? {}) },
      'adapter field map loaded (RELAY_ADAPTER_MAP)',
    );
  phoneOutbox?.start();
  callSync?.start();

  return {
    url: `http://${hostForUrl}:${port}`,
    wsUrl: `ws://${hostForUrl}:${port}/ws`,
    port,
    metricsUrl: metricsPort === undefined ? undefined : `http://${urlHost(config.metricsHost)}:${metricsPort}/metrics`,
    store,
    metrics,
    config,
    close,
  };
}

/** Reads and checks RELAY_ADAPTER_MAP; the error names the file and each bad entry. */
export function loadFieldMap(path: string): FieldMap {
  const fail = (why: string): never => {
    throw new Error(`invalid relay config: RELAY_ADAPTER_MAP (${path}) ${why}`);
  };
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    fail(`cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    fail(`is not valid JSON: ${(err as Error).message}`);
  }
  const parsed = parseFieldMap(json);
  if (!parsed.ok)
    fail(`has ${parsed.errors.length === 1 ? 'a bad entry' : `${parsed.errors.length} bad entries`}: ${parsed.errors.join('; ')}`);
  return (parsed as { ok: true; map: FieldMap }).map;
}

function definedOnly(o: object): Record<string, unknown> {
  const keys = Object.keys(RelayConfigSchema.shape);
  return Object.fromEntries(Object.entries(o).filter(([k, v]) => v !== undefined && keys.includes(k)));
}
