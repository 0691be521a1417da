// The one way a webhook is taken in, whoever sends it (SnapEngage's conversation and agent-status
// webhooks, the phone system's call events): every check in the same order, each refusal the same
// answer and counted the same way, so that the routes cannot drift apart again.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { checkWebhookToken } from './auth';
import { refusedCredential, type FailedAttempts } from './client-limits';
import { HttpError, readJsonBody } from './http';
import type { RejectReason } from './metrics';
import type { RateLimiter } from './rate-limit';

export interface WebhookLimits extends FailedAttempts {
  /** Authenticated webhooks, per endpoint (taken after the token was checked); over the limit → 429 + Retry-After. */
  webhookLimiter?: RateLimiter;
}

/** A parsed webhook body, with its bytes and text (the quarantine keeps what was sent). */
export interface WebhookBody {
  body: unknown;
  bytes: Buffer;
  text: string;
  /** performance.now() when the request reached the relay (the delivery latency metric starts here). */
  receivedAt: number;
}

export interface WebhookRoute {
  /** The per-endpoint limit's key (`conversation-events`, `agent-status`, `phone-call-events`). */
  endpoint: string;
  /** The token the sender presents in Authorization (bare or Bearer) or Authentication. */
  token: string;
  maxBodyBytes: number;
  /** The answer to a missing or wrong token. */
  wrongToken: string;
  /** The answer beyond the per-endpoint limit. */
  tooMany: string;
  /** Counts a refusal in this endpoint's metric. */
  rejected(reason: RejectReason): void;
  /** The route's own work on a body that passed every check; it answers, or throws an HttpError. */
  handle(webhook: WebhookBody, res: ServerResponse): Promise<void>;
}

/**
 * POST only; the token (compared in constant time), a wrong one taking a failed attempt from the
 * caller's address; the endpoint's own limit, only for callers with the token (a flood of wrong
 * tokens cannot push the real sender into 429); the content type; the body up to its cap; strict
 * UTF-8; JSON; then the route's handler. A refusal is thrown as an HttpError, counted first.
 */
export function webhookPipeline(limits: WebhookLimits, route: WebhookRoute) {
  async function accept(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const receivedAt = performance.now();
    if (req.method !== 'POST') throw new HttpError(405, 'use POST');
    if (!checkWebhookToken(req.headers, route.token)) throw refusedCredential(limits, req, route.wrongToken, { reason: 'unauthorized' });
    const limit = limits.webhookLimiter?.take(route.endpoint);
    if (limit && !limit.ok) throw new HttpError(429, route.tooMany, 'rate_limited', { 'retry-after': String(limit.retryAfterSeconds) });
    const { body, bytes, text } = await readJsonBody(req, route.maxBodyBytes);
    await route.handle({ body, bytes, text, receivedAt }, res);
  }

  return async function webhook(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      await accept(req, res);
    } catch (err) {
      if (err instanceof HttpError && err.reason) route.rejected(err.reason);
      throw err;
    }
  };
}
