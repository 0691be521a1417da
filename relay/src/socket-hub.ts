// The relay's websocket hub (SocketHub; not SnapEngage's agent UI, which SnapEngage calls "the Hub"):
// authenticates each socket with a hello, replays what the client missed, then
// streams live events. Replay and live share one rule — a socket only ever gets seq > the last
// seq it was sent — which is what makes the hand-over free of gaps and duplicates.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { CloseCode, ClientFrame, type PingFrame, type WelcomeFrame } from '@switchboard/protocol/frames';
import { authenticateAgent } from './auth';
import { FAILED_ATTEMPTS_MESSAGE, refuseSocket, type ConnectionGuard } from './client-limits';
import type { Logger } from './logger';
import { originAllowed } from './origin-policy';
import type { RelayMetrics } from './metrics';
import { PingSchedule } from './ping-schedule';
import type { RateLimiter } from './rate-limit';
import { PSEUDO_AGENT, type AppendResult, type EventStore, type NewEvent, type StoredEvent } from './store';

const PING_FRAME = JSON.stringify({ type: 'ping' } satisfies PingFrame);

export interface SocketHubOptions {
  store: EventStore;
  secret: string;
  logger: Logger;
  metrics: () => RelayMetrics;
  allowedOrigins: readonly string[];
  pingIntervalMs: number;
  helloTimeoutMs: number;
  /** Above this many unsent bytes a socket is closed as a slow consumer; it resumes later. */
  maxBufferedBytes: number;
  maxSocketsPerAgent: number;
  replayPageSize: number;
  /** Websocket connections per relay token (jti); over the limit → closed with 4429. */
  connectLimiter?: RateLimiter;
  /** The client key of an upgrade request (client-limits.ts); one key for every socket when absent. */
  clientKey?: (req: IncomingMessage) => string;
  /** Caps the sockets waiting for hello; counts an authenticated socket out. */
  guard?: ConnectionGuard;
  /** Failed attempts per client key: a socket that ends without a good hello takes one; when none are left, upgrades are refused. */
  authFailures?: RateLimiter;
  /** Sees every event forwarded and every agent's sockets coming and going (the team's board, board/board-state.ts). */
  observer?: HubObserver;
}

interface HubObserver {
  /** Each newly stored event, as it is forwarded (any agent's, whether connected or not). Must not throw. */
  event(event: StoredEvent): void;
  /** An agent's first socket here authenticated (true), or their last one closed (false). */
  presence(agent: string, connected: boolean): void;
}

type Phase = 'hello' | 'authenticating' | 'replaying' | 'live';

interface Client {
  ws: WebSocket;
  /** The TCP socket under ws (the guard tracks sockets). */
  socket: Duplex;
  /** Client key of the upgrade, for the failed-attempts limit. */
  key: string;
  /** The hello's token was good. */
  authenticated: boolean;
  forgotten: boolean;
  phase: Phase;
  agent?: string;
  jti?: string;
  alive: boolean;
  /** Which of the sweep's slots visits this socket (fixed for its life). */
  slot: number;
  lastSent: number;
  /** Live frames that arrived while this socket was replaying. */
  pending: Array<{ seq: number; frame: Frame; receivedAt?: number }>;
  pendingOverflow: boolean;
  helloTimer?: NodeJS.Timeout;
}

const MAX_PENDING = 10_000;
const SUPERVISOR_REFUSED = "a supervisor token cannot receive an agent's events (it reads the board); use the agent's relay token";
/** An event frame: its text, or (live) that text encoded once for all of an agent's sockets. */
type Frame = string | Buffer;
/** ws sends a Buffer as a binary frame unless told otherwise. */
const AS_TEXT = { binary: false };
const UNAUTHENTICATED_CLOSE_WAIT_MS = 1000;
/** Close reasons are limited to 123 bytes by the websocket protocol. */
const reasonText = (s: string) => (Buffer.byteLength(s) <= 123 ? s : `${Buffer.from(s).subarray(0, 120).toString('utf8')}...`);

/** Same text as JSON.stringify({ type, seq, id, kind, at, data }), reusing the data's JSON when the webhook route made it. */
export const eventFrameText = (e: StoredEvent) =>
  `{"type":"event","seq":${e.seq},"id":${JSON.stringify(e.id)},"kind":${JSON.stringify(e.kind)},"at":${JSON.stringify(e.at)},"data":${e.dataJson ?? JSON.stringify(e.data)}}`;

export class SocketHub {
  private readonly wss: WebSocketServer;
  private readonly clients = new Set<Client>();
  private readonly byAgent = new Map<string, Set<Client>>();
  private readonly pingTimer: NodeJS.Timeout;
  private readonly pings: PingSchedule<Client>;
  private closing = false;

  constructor(private readonly o: SocketHubOptions) {
    this.wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 64 * 1024 });
    this.pings = new PingSchedule(o.pingIntervalMs, performance.now());
    this.pingTimer = setInterval(() => {
      for (const slot of this.pings.due(performance.now())) void this.sweepSlot(slot);
    }, this.pings.slotMs);
  }

  get socketCount(): number {
    return this.clients.size;
  }

  get agentCount(): number {
    return this.byAgent.size;
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    // The HTTP server takes its own 'error' listener off a socket it hands over for an upgrade:
    // without one, a reset here (before or after the answer) is an uncaught error that ends the process.
    socket.on('error', (err) => this.o.logger.debug({ err: err.message }, 'upgrade socket error'));
    if (this.closing) return refuseSocket(socket, 503, 'relay shutting down');
    const key = this.o.clientKey?.(req) ?? 'unknown';
    const path = (req.url ?? '').split('?')[0];
    const limited = this.o.authFailures?.peek(key);
    if (limited && !limited.ok) {
      this.o.metrics().connectionRefused('failed_attempts');
      return refuseSocket(socket, 429, FAILED_ATTEMPTS_MESSAGE, { 'retry-after': String(limited.retryAfterSeconds) });
    }
    if (path !== '/ws') {
      this.o.authFailures?.take(key);
      return refuseSocket(socket, 404, 'not found');
    }
    const refusal = this.o.guard?.beginHello(socket, key);
    if (refusal) {
      this.o.metrics().connectionRefused(refusal.reason);
      return refuseSocket(socket, refusal.status, refusal.message);
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, req, socket, key));
  }

  private accept(ws: WebSocket, req: IncomingMessage, socket: Duplex, key: string): void {
    const client: Client = {
      ws,
      socket,
      key,
      authenticated: false,
      forgotten: false,
      phase: 'hello',
      alive: true,
      slot: 0,
      lastSent: 0,
      pending: [],
      pendingOverflow: false,
    };
    this.clients.add(client);
    // Its slot comes round within one interval: the first ping arrives in time for an MV3 worker (idle after 30 s).
    client.slot = this.pings.add(client);
    ws.on('close', () => this.forget(client));
    ws.on('error', (err) => this.o.logger.debug({ err: err.message }, 'websocket error'));
    ws.on('pong', () => {
      client.alive = true;
    });
    // Accepting first and then closing lets the client see why (a 403 at upgrade shows only "failed").
    if (!originAllowed(req.headers.origin, this.o.allowedOrigins)) {
      this.o.logger.info({ origin: req.headers.origin }, 'websocket origin refused');
      ws.close(CloseCode.forbiddenOrigin, 'origin not allowed');
      return;
    }
    client.helloTimer = setTimeout(
      () => this.reject(client, CloseCode.helloTimeout, 'no hello within the time limit'),
      this.o.helloTimeoutMs,
    );
    ws.on('message', (data, isBinary) => void this.onMessage(client, data, isBinary));
  }

  private reject(client: Client, code: number, reason: string): void {
    this.o.logger.info({ code, reason, agent: client.agent }, 'websocket closed by relay');
    client.ws.close(code, reasonText(reason));
    // ws waits 30 s for the peer's close frame; a socket that never authenticated would hold its
    // unauthenticated slot that long. A real client answers at once.
    if (!client.authenticated) setTimeout(() => client.ws.terminate(), UNAUTHENTICATED_CLOSE_WAIT_MS).unref();
    this.forget(client);
  }

  private async onMessage(client: Client, data: RawData, isBinary: boolean): Promise<void> {
    if (client.phase !== 'hello') return this.reject(client, CloseCode.badFrame, 'unexpected frame: hello was already sent');
    if (isBinary) return this.reject(client, CloseCode.badFrame, 'binary frames are not accepted');
    let json: unknown;
    try {
      json = JSON.parse(String(data));
    } catch {
      return this.reject(client, CloseCode.badFrame, 'frame is not valid JSON');
    }
    const parsed = ClientFrame.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return this.reject(
        client,
        CloseCode.badFrame,
        `bad hello: ${issue?.path.join('.') || 'frame'} is invalid (${issue?.code ?? 'invalid'})`,
      );
    }
    clearTimeout(client.helloTimer);
    client.phase = 'authenticating';
    const hello = parsed.data;
    try {
      const auth = await authenticateAgent(this.o.secret, hello.token, (jti) => this.o.store.isRevoked(jti));
      if (!auth.ok)
        return this.reject(
          client,
          CloseCode.unauthorized,
          auth.reason === 'supervisor token' ? SUPERVISOR_REFUSED : `token ${auth.reason}`,
        );
      if (client.ws.readyState !== client.ws.OPEN) return;
      client.authenticated = true;
      this.o.guard?.endHello(client.socket, true);
      if ((this.byAgent.get(auth.agent)?.size ?? 0) >= this.o.maxSocketsPerAgent)
        return this.reject(client, CloseCode.tooManyConnections, 'too many connections for this agent');
      if (this.o.connectLimiter && !this.o.connectLimiter.take(auth.jti).ok) {
        this.o.metrics().wsRateLimited++;
        return this.reject(client, CloseCode.tooManyConnections, 'rate limited: too many connections with this token, retry later');
      }
      client.agent = auth.agent;
      client.jti = auth.jti;
      await this.start(client, hello.after, hello.generation);
    } catch (err) {
      this.o.logger.error({ err: (err as Error).message, agent: client.agent }, 'websocket session failed');
      // Store trouble: let the client retry rather than leave it connected without events.
      if (client.ws.readyState === client.ws.OPEN) client.ws.close(1011, 'relay error, retry later');
      this.forget(client);
    }
  }

  private async start(client: Client, requestedAfter: number, generation: string | undefined): Promise<void> {
    const agent = client.agent!;
    const { store } = this.o;
    const latest = await store.latest(agent);
    // The socket may have closed during that await (a Redis round trip): forget() has run, so
    // registering it now would leave a dead socket counted against the agent's limit for good.
    if (!this.clients.has(client) || client.ws.readyState !== client.ws.OPEN) return;
    // A seq beyond anything stored for this agent cannot belong to this log either.
    const resumed = (generation === undefined || generation === store.generation) && requestedAfter <= latest;
    client.lastSent = resumed ? requestedAfter : 0;
    // Registered before reading, so an event committed during replay is either read or buffered.
    client.phase = 'replaying';
    let set = this.byAgent.get(agent);
    if (!set) {
      set = new Set();
      this.byAgent.set(agent, set);
      this.o.observer?.presence(agent, true);
    }
    set.add(client);

    const welcome: WelcomeFrame = { type: 'welcome', agent, latest, generation: store.generation, resumed };
    client.ws.send(JSON.stringify(welcome));
    this.o.logger.info({ agent, after: requestedAfter, resumed, latest }, 'websocket session started');
    await this.catchUp(client);
  }

  /** Reads from the store after lastSent until caught up, then sends what was buffered and goes live. */
  private async catchUp(client: Client): Promise<void> {
    const { store } = this.o;
    const agent = client.agent!;
    while (true) {
      const page = await store.readAfter(agent, client.lastSent, this.o.replayPageSize);
      if (client.ws.readyState !== client.ws.OPEN) return;
      // Corked: a page goes out in one write, not one per event (ws's own cork/uncork nests inside).
      // Not done for the live frames buffered meanwhile: held back, they could count as a slow consumer.
      client.socket.cork();
      try {
        for (const e of page) this.sendTo(client, e.seq, eventFrameText(e));
      } finally {
        client.socket.uncork();
      }
      if (page.length === this.o.replayPageSize) {
        await this.drained(client);
        continue;
      }
      if (client.pendingOverflow) {
        // The buffer gave up; everything it dropped is in the store, so read on.
        client.pendingOverflow = false;
        client.pending = [];
        continue;
      }
      break;
    }
    client.phase = 'live';
    const pending = client.pending;
    client.pending = [];
    for (const p of pending) this.sendTo(client, p.seq, p.frame, p.receivedAt);
  }

  /** Waits until the socket has written most of what it was given, so a long replay cannot balloon memory. */
  private async drained(client: Client): Promise<void> {
    while (client.ws.readyState === client.ws.OPEN && client.ws.bufferedAmount >= this.o.maxBufferedBytes / 2) {
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  private sendTo(client: Client, seq: number, frame: Frame, receivedAt?: number): void {
    if (seq <= client.lastSent || client.ws.readyState !== client.ws.OPEN) return;
    client.lastSent = seq;
    client.ws.send(frame, AS_TEXT);
    this.o.metrics().eventDelivered(receivedAt === undefined ? undefined : (performance.now() - receivedAt) / 1000);
    if (client.phase === 'live' && client.ws.bufferedAmount > this.o.maxBufferedBytes)
      this.reject(client, CloseCode.slowConsumer, 'slow consumer: reconnect and resume');
  }

  /**
   * Forwards what an append stored (its results, in order), leaving out redeliveries. Never throws:
   * it runs as the store's onCommitted, and the events are stored whatever happens here (a socket
   * that missed one catches up from the store when it reconnects).
   */
  publishStored(events: readonly NewEvent[], results: readonly AppendResult[], receivedAt?: number): void {
    try {
      results.forEach((r, i) => {
        if (!r.duplicate) this.publish({ ...events[i]!, seq: r.seq }, receivedAt);
      });
    } catch (err) {
      this.o.logger.error({ err: (err as Error).message }, 'forwarding stored events failed; the agents catch up from the store');
    }
  }

  /** Forwards a newly stored event to the agent's sockets; the frame is serialized once. */
  publish(event: StoredEvent, receivedAt?: number, prev?: number): void {
    if (event.agent === PSEUDO_AGENT) return;
    this.o.observer?.event(event);
    const set = this.byAgent.get(event.agent);
    if (!set) return;
    // Encoded once: ws would encode a string again for each of the agent's sockets.
    const frame = Buffer.from(eventFrameText(event));
    for (const client of set) {
      // `prev` (the agent's previous seq, from a fan-out store) shows a missed message: re-read.
      if (client.phase === 'live' && prev !== undefined && prev > client.lastSent)
        this.recatch(client, { seq: event.seq, frame, receivedAt });
      else if (client.phase === 'live') this.sendTo(client, event.seq, frame, receivedAt);
      else if (client.pending.length < MAX_PENDING) client.pending.push({ seq: event.seq, frame, receivedAt });
      else client.pendingOverflow = true;
    }
  }

  /** The fan-out feed had a break (e.g. Redis restarted): every live socket re-reads from the store. */
  resync(): void {
    for (const client of this.clients) if (client.phase === 'live') this.recatch(client);
  }

  private recatch(client: Client, first?: { seq: number; frame: Frame; receivedAt?: number }): void {
    client.phase = 'replaying';
    if (first) client.pending.push(first);
    this.catchUp(client).catch((err: unknown) => {
      this.o.logger.error({ err: (err as Error).message, agent: client.agent }, 'websocket catch-up failed');
      if (client.ws.readyState === client.ws.OPEN) client.ws.close(1011, 'relay error, retry later');
      this.forget(client);
    });
  }

  private forget(client: Client): void {
    if (!client.forgotten) {
      client.forgotten = true;
      // Ended without a good hello (refused, timed out, or just gone): one failed attempt for its address.
      if (!client.authenticated && !this.closing) this.o.authFailures?.take(client.key);
      this.o.guard?.endHello(client.socket, false);
    }
    clearTimeout(client.helloTimer);
    this.clients.delete(client);
    this.pings.remove(client, client.slot);
    if (!client.agent) return;
    const set = this.byAgent.get(client.agent);
    set?.delete(client);
    if (set?.size === 0) {
      this.byAgent.delete(client.agent);
      if (!this.closing) this.o.observer?.presence(client.agent, false);
    }
  }

  /**
   * One slot, visited once per interval: drops the sockets that did not answer the ping they got an
   * interval ago, pings the rest, and applies revocations.
   */
  private async sweepSlot(visiting: Client[]): Promise<void> {
    for (const client of visiting) {
      if (!client.alive) {
        client.ws.terminate();
        this.forget(client);
        continue;
      }
      client.alive = false;
      client.ws.ping();
      // Also an application message: websocket ping frames never reach JS, and only
      // messages the MV3 service worker receives keep it alive.
      if (client.agent) client.ws.send(PING_FRAME);
    }
    for (const client of visiting) {
      if (!client.jti || !this.clients.has(client)) continue;
      try {
        if (await this.o.store.isRevoked(client.jti)) this.reject(client, CloseCode.unauthorized, 'token revoked');
      } catch {
        // store trouble is reported by /healthz; keep the socket
      }
    }
  }

  /** Closes every socket with 1001 and waits (briefly) for them to go. */
  async close(): Promise<void> {
    this.closing = true;
    clearInterval(this.pingTimer);
    const closed = [...this.clients].map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.ws.readyState === c.ws.CLOSED) return resolve();
          c.ws.once('close', () => resolve());
          c.ws.close(CloseCode.goingAway, 'relay shutting down');
        }),
    );
    await Promise.race([Promise.all(closed), new Promise((r) => setTimeout(r, 2000).unref())]);
    for (const c of this.clients) c.ws.terminate();
    this.clients.clear();
    this.pings.clear();
    this.byAgent.clear();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}
