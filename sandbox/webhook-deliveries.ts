// Where the sandbox sends its webhooks and what became of them: the configured URLs and token,
// every delivery in flight (so tests can wait for them, and closing cuts them short), and the log
// of finished deliveries the control routes and the HTML page show.
import type { StatusChange } from './agents';
import { SandboxError } from './errors';
import { agentStatusEvent } from './payloads';
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

export interface WebhookConfig {
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

export type WebhookOptions = Partial<WebhookConfig>;

export interface RecordedDelivery extends DeliveryResult {
  /** a conversation kind, or "agent_status" */
  kind: string;
  /** ISO time the delivery finished */
  time: string;
}

/** Finished deliveries kept for the log. */
const LOG_LIMIT = 2000;

export class WebhookDeliveries {
  private config: WebhookConfig;
  private readonly log: RecordedDelivery[] = [];
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly shutdown = new AbortController();

  /** `logLine`: one line per delivery (the CLI prints them). */
  constructor(
    options: WebhookOptions,
    private readonly logLine: (line: string) => void,
  ) {
    this.config = { header: 'Authorization', scheme: 'bare', ...DEFAULT_RETRY, timeoutMs: 10_000, ...withoutUndefined(options) };
  }

  current(): WebhookConfig {
    return { ...this.config };
  }

  /** Sets the given fields; null removes one. */
  configure(patch: { [K in keyof WebhookConfig]?: WebhookConfig[K] | null }): WebhookConfig {
    const next: Record<string, unknown> = { ...this.config };
    for (const [key, value] of Object.entries(patch)) {
      if (value === null) delete next[key];
      else if (value !== undefined) next[key] = value;
    }
    this.config = next as unknown as WebhookConfig;
    return this.current();
  }

  /** The conversation webhook's URL; a 409 for the caller when none is configured. */
  conversationUrl(): string {
    if (!this.config.conversationUrl) {
      throw new SandboxError('No conversation webhook URL configured (webhook.conversationUrl or POST /__sandbox/config)', 409);
    }
    return this.config.conversationUrl;
  }

  /** POSTs one body (twice, as a duplicate delivery, when asked), retrying as SnapEngage does. */
  send(kind: string, url: string, body: object, twice = false): Promise<DeliveryResult> {
    const deliver = twice ? deliverTwice : deliverWebhook;
    return this.track(deliver(url, body, this.options()).then((r) => this.remember(kind, r)));
  }

  /** POSTs the bodies one after another in `order`. */
  sendBatch(url: string, built: ReadonlyArray<{ kind: string; body: object }>, order: BatchOrder): Promise<DeliveryResult[]> {
    const run = async () => {
      const results: DeliveryResult[] = [];
      for (const { kind, body } of reorder(built, order)) {
        results.push(this.remember(kind, await deliverWebhook(url, body, this.options())));
      }
      return results;
    };
    return this.track(run());
  }

  /** The agent status webhook for a change; null when no status URL is configured. */
  status(change: StatusChange): Promise<DeliveryResult> | null {
    const url = this.config.statusUrl;
    if (!url) return null;
    const body = agentStatusEvent({
      agentId: change.current.agentId,
      status: change.current.status,
      substatus: change.current.substatus,
      previousStatus: change.previous.status,
      timestamp: Date.parse(change.current.updatedAt),
    });
    return this.send('agent_status', url, body);
  }

  /** Finished deliveries, oldest first (the live list: copy it before handing it out). */
  recorded(): readonly RecordedDelivery[] {
    return this.log;
  }

  clear(): void {
    this.log.splice(0);
  }

  /** Resolves once every delivery in flight (e.g. status echoes) has finished. */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /** Cuts every delivery short and waits for them to settle. */
  async close(): Promise<void> {
    this.shutdown.abort();
    await Promise.allSettled([...this.inFlight]);
  }

  private options(): DeliveryOptions {
    const c = this.config;
    return {
      ...(c.token !== undefined && { token: c.token }),
      header: c.header,
      scheme: c.scheme,
      maxAttempts: c.maxAttempts,
      initialDelayMs: c.initialDelayMs,
      maxDelayMs: c.maxDelayMs,
      timeoutMs: c.timeoutMs,
      signal: this.shutdown.signal,
    };
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    this.inFlight.add(promise);
    void promise.finally(() => this.inFlight.delete(promise)).catch(() => undefined);
    return promise;
  }

  private remember(kind: string, result: DeliveryResult): DeliveryResult {
    const results = result.duplicate ? [result, result.duplicate] : [result];
    for (const r of results) {
      const { duplicate: _d, ...plain } = r;
      this.log.push({ ...plain, kind, time: new Date().toISOString() });
      this.logLine(`webhook ${kind} → ${r.url}: ${r.status ?? r.error} after ${r.attempts} attempt(s)`);
    }
    if (this.log.length > LOG_LIMIT) this.log.splice(0, this.log.length - LOG_LIMIT);
    return result;
  }
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
