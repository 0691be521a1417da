// Prometheus text exposition, hand-written: a dozen series do not justify a client library.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { RefusedReason } from './client-limits';
import { eventLoopLagSeconds, ProcessMetrics } from './process-metrics';
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
/**
 * Event-loop delay is reported over the last LOOP_WINDOW_MS / 2 … LOOP_WINDOW_MS, whoever reads
 * /metrics and however often: a scraper every minute (Prometheus' default) sees each stall at least
 * once, and a visitor's read hides nothing from it.
 */
export const LOOP_WINDOW_MS = 120_000;

/** What the relay reads of node:perf_hooks' event-loop delay histogram (a test hands in its own). */
export type LoopDelaySampler = Pick<
  ReturnType<typeof monitorEventLoopDelay>,
  'enable' | 'disable' | 'reset' | 'percentile' | 'max' | 'count'
>;

/** Why a webhook (SnapEngage's or the phone system's) was refused; 404 and 405 are not counted. */
export type RejectReason =
  | 'unauthorized'
  | 'unsupported_media_type'
  | 'too_large'
  | 'bad_json'
  | 'bad_payload'
  | 'store_unavailable'
  | 'rate_limited';
export type WebhookEndpoint = 'conversation-events' | 'agent-status';

export class RelayMetrics {
  readonly accepted = new Map<string, number>();
  readonly rejected = new Map<string, number>();
  delivered = 0;
  phoneCallsAccepted = 0;
  readonly phoneCallsRejected = new Map<string, number>();
  phoneNoticesDelivered = 0;
  /** Failed attempts to notify the phone system: `retry` (will be retried) or `dropped` (gave up). */
  readonly phoneNoticesFailed = new Map<string, number>();
  /** Websocket connections closed with 4429 by the per-token rate limit. */
  wsRateLimited = 0;
  /** Webhooks answered 202 and kept in the quarantine, by the adapter's reason (redeliveries included). */
  readonly quarantined = new Map<string, number>();
  /** Quarantine entries a replay delivered (and removed from the quarantine). */
  quarantineReplayed = 0;
  /** Connections and websocket upgrades refused by the unauthenticated-connection caps, by reason. */
  readonly connectionsRefused = new Map<string, number>();
  /** POST /api/status answers, by outcome (status-api-routes.ts: StatusRequestOutcome). */
  readonly statusRequests = new Map<string, number>();
  /** SnapEngage refused the relay's API token (401/403): the operator must fix SNAPENGAGE_API_TOKEN. */
  snapengageRejected = 0;
  private readonly bucketCounts = LATENCY_BUCKETS.map(() => 0);
  private latencyCount = 0;
  private latencySum = 0;
  /**
   * How long ready work waited for the event loop: every agent's events wait that long too. A
   * stall shows here (a ping sweep over 10,000 sockets once held it ~700 ms; bench/README.md).
   * Two histograms half a window apart, each starting over once a window; /metrics reports the
   * older, which covers at least half a window. Reading resets nothing. (Node cannot merge these
   * histograms, hence two samplers; the second costs no CPU one can measure. Each records the
   * whole interval, so an idle loop reads ~10 ms, as before.)
   */
  private readonly loopDelay: Array<{ histogram: LoopDelaySampler; since: number }>;
  private readonly loopTimer: NodeJS.Timeout;
  private readonly loopWindowMs: number;
  /** CPU, memory, event-loop lag, GC: the series every Node service has. */
  readonly process = new ProcessMetrics();

  constructor(
    private readonly gauges: () => { agents: number; sockets: number; unauthenticated?: number; pendingHellos?: number },
    opts: { loopWindowMs?: number; loopDelaySampler?: () => LoopDelaySampler } = {},
  ) {
    this.loopWindowMs = opts.loopWindowMs ?? LOOP_WINDOW_MS;
    const now = performance.now();
    const sampler = opts.loopDelaySampler ?? (() => monitorEventLoopDelay({ resolution: 10 }));
    this.loopDelay = [0, 1].map(() => ({ histogram: sampler(), since: now }));
    for (const w of this.loopDelay) w.histogram.enable();
    this.loopTimer = setInterval(() => {
      const older = this.olderLoopWindow();
      older.histogram.reset();
      older.since = performance.now();
    }, this.loopWindowMs / 2).unref();
  }

  private olderLoopWindow() {
    const [a, b] = this.loopDelay as [(typeof this.loopDelay)[0], (typeof this.loopDelay)[0]];
    return a.since <= b.since ? a : b;
  }

  /** Stops sampling the event loop (the relay is closing). */
  stop(): void {
    clearInterval(this.loopTimer);
    for (const w of this.loopDelay) w.histogram.disable();
    this.process.stop();
  }

  private readonly moreSeries: (() => string)[] = [];

  /** Series another part of the relay keeps (call sync's), in Prometheus text, appended to every scrape. */
  addSeries(render: () => string): void {
    this.moreSeries.push(render);
  }

  /** What GET /metrics answers: every series, the event-loop lag measured now. */
  async scrape(): Promise<string> {
    return this.render(await eventLoopLagSeconds()) + this.moreSeries.map((render) => render()).join('');
  }

  webhookAccepted(endpoint: WebhookEndpoint): void {
    this.accepted.set(endpoint, (this.accepted.get(endpoint) ?? 0) + 1);
  }

  webhookRejected(reason: RejectReason): void {
    this.rejected.set(reason, (this.rejected.get(reason) ?? 0) + 1);
  }

  webhookQuarantined(reason: string): void {
    this.quarantined.set(reason, (this.quarantined.get(reason) ?? 0) + 1);
  }

  phoneCallAccepted(): void {
    this.phoneCallsAccepted++;
  }

  phoneCallRejected(reason: RejectReason): void {
    this.phoneCallsRejected.set(reason, (this.phoneCallsRejected.get(reason) ?? 0) + 1);
  }

  phoneNoticeDelivered(): void {
    this.phoneNoticesDelivered++;
  }

  phoneNoticeFailed(outcome: 'retry' | 'dropped'): void {
    this.phoneNoticesFailed.set(outcome, (this.phoneNoticesFailed.get(outcome) ?? 0) + 1);
  }

  connectionRefused(reason: RefusedReason): void {
    this.connectionsRefused.set(reason, (this.connectionsRefused.get(reason) ?? 0) + 1);
  }

  statusRequest(outcome: string): void {
    this.statusRequests.set(outcome, (this.statusRequests.get(outcome) ?? 0) + 1);
  }

  eventDelivered(latencySeconds?: number): void {
    this.delivered++;
    if (latencySeconds === undefined) return;
    this.latencyCount++;
    this.latencySum += latencySeconds;
    // Indexed: entries() made an iterator and a pair per bucket, for every delivered event (4.5% of the relay's allocations).
    for (let i = 0; i < LATENCY_BUCKETS.length; i++) if (latencySeconds <= LATENCY_BUCKETS[i]!) this.bucketCounts[i]!++;
  }

  /** The text; `lagSeconds` is nodejs_eventloop_lag_seconds, left out when not measured. */
  render(lagSeconds?: number): string {
    const { agents, sockets, unauthenticated = 0, pendingHellos = 0 } = this.gauges();
    const lines: string[] = [];
    const labelled = (name: string, help: string, label: string, values: Map<string, number>) => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`);
      for (const [k, v] of values) lines.push(`${name}{${label}="${k}"} ${v}`);
    };
    labelled('relay_webhooks_accepted_total', 'Webhooks stored and answered 200 (duplicates included).', 'endpoint', this.accepted);
    labelled('relay_webhooks_rejected_total', 'Webhooks answered with an error, by reason.', 'reason', this.rejected);
    labelled(
      'relay_webhooks_quarantined_total',
      'Webhooks the adapter could not read, stored in the quarantine and answered 202, by reason (redeliveries included).',
      'reason',
      this.quarantined,
    );
    lines.push(
      '# HELP relay_quarantine_replayed_total Quarantined webhooks a replay delivered.',
      '# TYPE relay_quarantine_replayed_total counter',
      `relay_quarantine_replayed_total ${this.quarantineReplayed}`,
    );
    labelled(
      'relay_connections_refused_total',
      'Connections and websocket upgrades refused before authentication, by reason.',
      'reason',
      this.connectionsRefused,
    );
    lines.push(
      '# HELP relay_events_delivered_total Event frames sent to websockets (replayed and live).',
      '# TYPE relay_events_delivered_total counter',
      `relay_events_delivered_total ${this.delivered}`,
      '# HELP relay_websocket_rate_limited_total Websocket connections refused (4429) by the per-token rate limit.',
      '# TYPE relay_websocket_rate_limited_total counter',
      `relay_websocket_rate_limited_total ${this.wsRateLimited}`,
      '# HELP relay_unauthenticated_connections Open connections that are not authenticated websockets (HTTP, websockets before hello).',
      '# TYPE relay_unauthenticated_connections gauge',
      `relay_unauthenticated_connections ${unauthenticated}`,
      '# HELP relay_pending_hellos Websockets waiting for their hello.',
      '# TYPE relay_pending_hellos gauge',
      `relay_pending_hellos ${pendingHellos}`,
      '# HELP relay_connected_agents Agents with at least one authenticated websocket.',
      '# TYPE relay_connected_agents gauge',
      `relay_connected_agents ${agents}`,
      '# HELP relay_connected_sockets Open websockets, authenticated or not.',
      '# TYPE relay_connected_sockets gauge',
      `relay_connected_sockets ${sockets}`,
      '# HELP relay_delivery_latency_seconds From webhook receipt to the live websocket send.',
      '# TYPE relay_delivery_latency_seconds histogram',
    );
    for (const [i, b] of LATENCY_BUCKETS.entries()) lines.push(`relay_delivery_latency_seconds_bucket{le="${b}"} ${this.bucketCounts[i]}`);
    lines.push(
      `relay_delivery_latency_seconds_bucket{le="+Inf"} ${this.latencyCount}`,
      `relay_delivery_latency_seconds_sum ${this.latencySum}`,
      `relay_delivery_latency_seconds_count ${this.latencyCount}`,
    );
    lines.push(
      '# HELP relay_phone_call_events_accepted_total Phone call events stored and answered 200 (duplicates included).',
      '# TYPE relay_phone_call_events_accepted_total counter',
      `relay_phone_call_events_accepted_total ${this.phoneCallsAccepted}`,
    );
    labelled(
      'relay_phone_call_events_rejected_total',
      'Phone call events answered with an error, by reason.',
      'reason',
      this.phoneCallsRejected,
    );
    lines.push(
      '# HELP relay_phone_notices_delivered_total Chat notices the phone system acknowledged with a 2xx.',
      '# TYPE relay_phone_notices_delivered_total counter',
      `relay_phone_notices_delivered_total ${this.phoneNoticesDelivered}`,
    );
    labelled(
      'relay_phone_notices_failed_total',
      'Failed attempts to notify the phone system: retry = will be retried, dropped = given up.',
      'outcome',
      this.phoneNoticesFailed,
    );
    labelled(
      'relay_status_requests_total',
      'POST /api/status (relay mode) answers, by outcome: what SnapEngage answered, or why the relay answered itself.',
      'outcome',
      this.statusRequests,
    );
    lines.push(
      "# HELP relay_snapengage_rejected_total Agent Status calls SnapEngage refused with 401/403: the relay's SNAPENGAGE_API_TOKEN is wrong.",
      '# TYPE relay_snapengage_rejected_total counter',
      `relay_snapengage_rejected_total ${this.snapengageRejected}`,
    );
    // The older window, read without resetting it (ns → s).
    const window = this.olderLoopWindow();
    const delay = window.histogram;
    const seconds = (ns: number) => (Number.isFinite(ns) && delay.count > 0 ? ns / 1e9 : 0);
    lines.push(
      `# HELP relay_event_loop_delay_seconds Event-loop delay over the last ${this.loopWindowMs / 2000} to ${this.loopWindowMs / 1000} s (p50, p99, max), however often this is read: how long ready work, events to agents included, waited.`,
      '# TYPE relay_event_loop_delay_seconds gauge',
      `relay_event_loop_delay_seconds{quantile="0.5"} ${seconds(delay.percentile(50))}`,
      `relay_event_loop_delay_seconds{quantile="0.99"} ${seconds(delay.percentile(99))}`,
      `relay_event_loop_delay_seconds{quantile="1"} ${seconds(delay.max)}`,
      '# HELP relay_event_loop_delay_window_seconds How far back relay_event_loop_delay_seconds reaches now.',
      '# TYPE relay_event_loop_delay_window_seconds gauge',
      `relay_event_loop_delay_window_seconds ${((performance.now() - window.since) / 1000).toFixed(3)}`,
    );
    this.process.render(lines, lagSeconds);
    return `${lines.join('\n')}\n`;
  }
}
