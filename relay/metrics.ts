// Prometheus text exposition, hand-written: five series do not justify a client library.
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export type RejectReason = 'unauthorized' | 'unsupported_media_type' | 'too_large' | 'bad_json' | 'bad_payload' | 'store_unavailable';
export type WebhookEndpoint = 'conversation-events' | 'agent-status';

export class RelayMetrics {
  readonly accepted = new Map<string, number>();
  readonly rejected = new Map<string, number>();
  delivered = 0;
  private readonly bucketCounts = LATENCY_BUCKETS.map(() => 0);
  private latencyCount = 0;
  private latencySum = 0;

  constructor(private readonly gauges: () => { agents: number; sockets: number }) {}

  webhookAccepted(endpoint: WebhookEndpoint): void {
    this.accepted.set(endpoint, (this.accepted.get(endpoint) ?? 0) + 1);
  }

  webhookRejected(reason: RejectReason): void {
    this.rejected.set(reason, (this.rejected.get(reason) ?? 0) + 1);
  }

  eventDelivered(latencySeconds?: number): void {
    this.delivered++;
    if (latencySeconds === undefined) return;
    this.latencyCount++;
    this.latencySum += latencySeconds;
    LATENCY_BUCKETS.forEach((b, i) => {
      if (latencySeconds <= b) this.bucketCounts[i]!++;
    });
  }

  render(): string {
    const { agents, sockets } = this.gauges();
    const lines: string[] = [];
    const labelled = (name: string, help: string, label: string, values: Map<string, number>) => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`);
      for (const [k, v] of values) lines.push(`${name}{${label}="${k}"} ${v}`);
    };
    labelled('relay_webhooks_accepted_total', 'Webhooks stored and answered 200 (duplicates included).', 'endpoint', this.accepted);
    labelled('relay_webhooks_rejected_total', 'Webhooks answered with an error, by reason.', 'reason', this.rejected);
    lines.push(
      '# HELP relay_events_delivered_total Event frames sent to websockets (replayed and live).',
      '# TYPE relay_events_delivered_total counter',
      `relay_events_delivered_total ${this.delivered}`,
      '# HELP relay_connected_agents Agents with at least one authenticated websocket.',
      '# TYPE relay_connected_agents gauge',
      `relay_connected_agents ${agents}`,
      '# HELP relay_connected_sockets Open websockets, authenticated or not.',
      '# TYPE relay_connected_sockets gauge',
      `relay_connected_sockets ${sockets}`,
      '# HELP relay_delivery_latency_seconds From webhook receipt to the live websocket send.',
      '# TYPE relay_delivery_latency_seconds histogram',
    );
    LATENCY_BUCKETS.forEach((b, i) => lines.push(`relay_delivery_latency_seconds_bucket{le="${b}"} ${this.bucketCounts[i]}`));
    lines.push(
      `relay_delivery_latency_seconds_bucket{le="+Inf"} ${this.latencyCount}`,
      `relay_delivery_latency_seconds_sum ${this.latencySum}`,
      `relay_delivery_latency_seconds_count ${this.latencyCount}`,
    );
    return lines.join('\n') + '\n';
  }
}
