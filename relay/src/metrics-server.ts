// Who may read GET /metrics, and the port of its own it can live on (RELAY_METRICS_PORT).
//
// The series name no visitor or agent, but they show the relay's traffic and limits to whoever reads
// them, so they are not for the internet. Without RELAY_METRICS_TOKEN they are answered only to a
// caller on this machine that did not come through a proxy: a proxy on the same host connects from
// loopback too, and it says so by adding X-Forwarded-For (nginx, Caddy) or Forwarded. With the
// token, every request needs it, on either port. With RELAY_METRICS_PORT set, the main port answers
// 404, so the path a proxy passes on cannot reach them at all.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { bearerToken, safeEqual } from './auth';
import { type FailedAttempts, refusedCredential } from './client-limits';
import { HttpError, sendHttpError, sendJson } from './http';
import type { Logger } from './logger';
import type { RelayMetrics } from './metrics';

export interface MetricsAccess extends FailedAttempts {
  /** RELAY_METRICS_TOKEN; empty = none. */
  token: string;
  /** RELAY_METRICS_PORT is set: the main port no longer serves /metrics. */
  ownPort: boolean;
}

/** 127.0.0.0/8 and ::1, also as IPv4-mapped IPv6 (how a dual-stack listener reports IPv4 peers). */
const isLoopbackPeer = (address: string | undefined) =>
  address !== undefined && (address === '::1' || /^(::ffff:)?127\.\d+\.\d+\.\d+$/i.test(address));

/** Headers a proxy adds: a request that carries one came from elsewhere, whatever its socket says. */
const FORWARDING_HEADERS = ['x-forwarded-for', 'forwarded', 'x-real-ip'];

/** Throws the HttpError to answer instead when this request may not read /metrics. */
export function checkMetricsAccess(req: IncomingMessage, access: MetricsAccess, on: 'main' | 'metrics'): void {
  if (on === 'main' && access.ownPort) throw new HttpError(404, 'not found');
  if (access.token) {
    const presented = bearerToken(req.headers);
    if (presented === undefined || !safeEqual(presented, access.token))
      throw refusedCredential(access, req, 'missing or wrong metrics token (Authorization: Bearer <RELAY_METRICS_TOKEN>)');
    return;
  }
  if (on === 'metrics') return;
  if (!isLoopbackPeer(req.socket.remoteAddress) || FORWARDING_HEADERS.some((h) => req.headers[h] !== undefined))
    throw new HttpError(
      403,
      '/metrics is answered only on this machine, not through a proxy: read it from here, or set RELAY_METRICS_TOKEN or RELAY_METRICS_PORT',
    );
}

/** Answers GET /metrics (the caller checked the method and access). */
export async function sendMetrics(res: ServerResponse, metrics: RelayMetrics): Promise<void> {
  const text = await metrics.scrape();
  res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'cache-control': 'no-store' });
  res.end(text);
}

/**
 * The server on RELAY_METRICS_PORT: GET /metrics and nothing else. A scraper holds one connection;
 * a few dozen leave room for a person with curl and cap what anyone else can hold open.
 */
export function createMetricsServer(metrics: RelayMetrics, access: MetricsAccess, logger: Logger): Server {
  const server = createServer({ headersTimeout: 10_000, requestTimeout: 30_000, connectionsCheckingInterval: 1000 }, (req, res) => {
    const answer = async () => {
      const path = new URL(req.url ?? '/', 'http://relay.invalid').pathname;
      if (path !== '/metrics') throw new HttpError(404, 'not found');
      if (req.method !== 'GET') throw new HttpError(405, 'use GET');
      checkMetricsAccess(req, access, 'metrics');
      await sendMetrics(res, metrics);
    };
    answer().catch((err: unknown) => {
      if (err instanceof HttpError) return sendHttpError(req, res, err);
      logger.error({ err: (err as Error)?.message }, 'metrics request failed');
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
      else res.destroy();
    });
  });
  server.maxConnections = 32;
  server.on('clientError', (_err, socket) => (socket as Socket).destroy());
  return server;
}

/** Listens, or rejects with why (EADDRINUSE, EACCES) naming the variable to change. */
export function listenMetrics(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const failed = (err: NodeJS.ErrnoException) =>
      reject(new Error(`cannot serve /metrics on ${host}:${port} (RELAY_METRICS_HOST, RELAY_METRICS_PORT): ${err.code ?? err.message}`));
    server.once('error', failed);
    server.listen(port, host, () => {
      server.off('error', failed);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
