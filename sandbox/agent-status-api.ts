// The SnapEngage-facing REST surface: the Agent Status API and a Logs API stub. Path, field
// names and error bodies follow docs/snapengage-contract.md, as the extension's client does.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type StatusRequestShape, statusRequestShape, type StatusRequestOverride } from '@switchboard/protocol/agent-status-request';
import { SETTABLE_STATUSES, type SettableStatus } from '@switchboard/protocol/status';
import { safeEqual } from 'switchboard-relay/auth';
import * as z from 'zod/mini';
import type { AgentDirectory, StatusChange } from './agents';
import { oneOf, quoted } from './errors';
import type { FailureState, FailureSwitch } from './failure';
import { sendJson } from 'switchboard-relay/http';
import { isJsonContentType, parseJson } from './http-util';

const DEFAULT_RETRY_AFTER_SECONDS = 2;

/**
 * The body SnapEngage takes, read under the field names it expects: the inferred ones, or those the
 * sandbox was started expecting (a stand-in for a SnapEngage that names them otherwise).
 */
function readStatusBody(shape: StatusRequestShape, value: unknown) {
  const { agentField: agent, statusField: status, substatusField: substatus } = shape;
  const parsed = z
    .object({
      [agent]: z
        .string({ error: `${agent} must be a string (the agent's email)` })
        .check(z.trim(), z.minLength(1, `${agent} must not be empty`)),
      [status]: z.enum(SETTABLE_STATUSES, { error: `${status} must be ${oneOf(quoted(SETTABLE_STATUSES))}` }),
      [substatus]: z.optional(
        z.nullable(z.string({ error: `${substatus} must be a string` }).check(z.maxLength(100, `${substatus} is too long`))),
      ),
    })
    .safeParse(value);
  if (!parsed.success) return parsed;
  const data = parsed.data as Record<string, unknown>;
  const agentId = data[agent] as string;
  return {
    success: true as const,
    data: { agentId, status: data[status] as SettableStatus, substatus: data[substatus] as string | null | undefined },
  };
}

/** `/api/v2/{orgId}/agent/status` as a pattern: `{orgId}` one path segment, the rest literal, a trailing slash allowed. */
function pathPattern(template: string): RegExp {
  const [before, ...after] = template.replace(/\/$/, '').split('{orgId}');
  const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^${literal(before ?? '')}([^/]+)${after.map(literal).join('(?:[^/]+)')}/?$`);
}

export interface ApiContext {
  orgId: string;
  apiToken: string;
  /** The Agent Status request the sandbox takes; absent = the inferred one (DEFAULT_STATUS_REQUEST). */
  statusRequest?: StatusRequestOverride;
  agents: AgentDirectory;
  failures: FailureSwitch;
  /** Leaves the request unanswered until the sandbox closes. */
  hang(req: IncomingMessage, res: ServerResponse): void;
  onStatusSet(change: StatusChange): void;
}

interface Route {
  name: 'status' | 'logs';
  orgId: string;
  method: 'POST' | 'GET';
}

function matchRoute(pathname: string, shape: StatusRequestShape): Route | undefined {
  const status = pathPattern(shape.path).exec(pathname);
  if (status?.[1]) return { name: 'status', orgId: decodeURIComponent(status[1]), method: 'POST' };
  const logs = /^\/api\/v2\/([^/]+)\/logs\/?$/.exec(pathname);
  if (logs?.[1]) return { name: 'logs', orgId: decodeURIComponent(logs[1]), method: 'GET' };
  return undefined;
}

export function handleApi(ctx: ApiContext, req: IncomingMessage, res: ServerResponse, url: URL, rawBody: string): void {
  const shape = statusRequestShape(ctx.statusRequest);
  const route = matchRoute(url.pathname, shape);
  if (!route) return sendJson(res, 404, { message: 'Not found' });
  if (req.method !== route.method) {
    return sendJson(res, 405, { message: `Use ${route.method}` }, { Allow: `${route.method}, OPTIONS` });
  }

  const failure = ctx.failures.take();
  if (failure) return answerFailure(ctx, failure, req, res);

  // SnapEngage takes the bare token; "Bearer …" is simply a wrong token (and the reverse when started expecting Bearer).
  // Compared in constant time, as the relay compares its own.
  const presented = req.headers.authorization;
  if (presented === undefined || !safeEqual(presented, shape.auth === 'bearer' ? `Bearer ${ctx.apiToken}` : ctx.apiToken)) {
    return sendJson(res, 401, { message: 'Invalid API token' });
  }
  if (route.orgId !== ctx.orgId) return sendJson(res, 404, { message: 'Unknown organization' });

  if (route.name === 'logs') return sendJson(res, 200, { cases: [], linkToNextSetOfResults: null });
  return setStatus(ctx, shape, req, res, rawBody);
}

function setStatus(ctx: ApiContext, shape: StatusRequestShape, req: IncomingMessage, res: ServerResponse, rawBody: string): void {
  if (!isJsonContentType(req.headers['content-type'])) {
    return sendJson(res, 415, { message: 'Content-Type must be application/json' });
  }
  const parsed = parseJson(rawBody);
  if (!parsed.ok) return sendJson(res, 400, { message: `Body is not valid JSON: ${parsed.error}` });
  const result = readStatusBody(shape, parsed.value);
  if (!result.success) {
    const message = result.error.issues.map((issue) => issue.message).join('; ');
    return sendJson(res, 400, { message: message || 'Invalid body' });
  }
  const { agentId, status, substatus } = result.data;
  const change = ctx.agents.set(agentId, status, substatus);
  if (!change) return sendJson(res, 404, { message: `Unknown agent ${agentId}` });
  sendJson(res, 200, change.current);
  ctx.onStatusSet(change);
}

function answerFailure(ctx: ApiContext, failure: FailureState, req: IncomingMessage, res: ServerResponse): void {
  switch (failure.mode) {
    case 'hang':
      return ctx.hang(req, res);
    case '401':
      return sendJson(res, 401, { message: 'Invalid API token' });
    case '403':
      return sendJson(res, 403, { message: 'Forbidden' });
    case '429':
      return sendJson(
        res,
        429,
        { message: 'Too many requests' },
        {
          'Retry-After': String(failure.retryAfter ?? DEFAULT_RETRY_AFTER_SECONDS),
        },
      );
    case '500':
      return sendJson(res, 500, { message: 'Internal server error' });
    case '503':
      return sendJson(
        res,
        503,
        { message: 'Service unavailable' },
        failure.retryAfter !== undefined ? { 'Retry-After': String(failure.retryAfter) } : {},
      );
  }
}
