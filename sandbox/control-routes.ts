// /__sandbox/…: the test-and-demo surface. Not part of SnapEngage; each route maps onto a
// method of the programmatic Sandbox so both stay in step.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CONVERSATION_KINDS } from '@switchboard/protocol/event-kinds';
import { AGENT_STATUSES } from '@switchboard/protocol/status';
import * as z from 'zod/mini';
import { Failure } from './failure';
import { renderPage, type PageModel } from './html-page';
import { sendJson } from 'switchboard-relay/http';
import { parseJson, sendText } from './http-util';
import { SPELLINGS } from './payloads';
import { oneOf, quoted, SandboxError } from './errors';
import type { Sandbox } from './server';

const SpellingField = z.optional(z.union([z.enum(SPELLINGS), z.array(z.enum(SPELLINGS))]));

const FireFields = {
  kind: z.enum(CONVERSATION_KINDS, { error: `kind must be one of ${CONVERSATION_KINDS.join(', ')}` }),
  agent: z.optional(z.string().check(z.minLength(1))),
  visitorName: z.optional(z.string()),
  visitorEmail: z.optional(z.string()),
  question: z.optional(z.string()),
  conversationId: z.optional(z.string().check(z.minLength(1))),
  fromAgent: z.optional(z.string().check(z.minLength(1))),
  eventId: z.optional(z.string().check(z.minLength(1))),
  timestamp: z.optional(z.number()),
  labels: z.optional(z.array(z.object({ name: z.string(), value: z.optional(z.string()) }))),
  survey: z.optional(z.object({ score: z.optional(z.number()), comment: z.optional(z.string()) })),
  duplicate: z.optional(z.boolean()),
  spelling: SpellingField,
};

const FireBody = z.object({ ...FireFields, wait: z.optional(z.boolean()) });
const BatchBody = z.object({
  batch: z.array(z.object(FireFields)).check(z.minLength(1)),
  order: z.optional(z.enum(['in-order', 'reverse', 'shuffle'])),
  wait: z.optional(z.boolean()),
});

const HubStatusBody = z.object({
  status: z.enum(AGENT_STATUSES, { error: `status must be ${oneOf(quoted(AGENT_STATUSES))}` }),
  substatus: z.optional(z.nullable(z.string())),
});

const ConfigBody = z.object({
  conversationUrl: z.optional(z.nullable(z.url())),
  statusUrl: z.optional(z.nullable(z.url())),
  token: z.optional(z.nullable(z.string())),
  header: z.optional(z.enum(['Authorization', 'Authentication'])),
  scheme: z.optional(z.enum(['bare', 'bearer'])),
  maxAttempts: z.optional(z.int().check(z.positive())),
  initialDelayMs: z.optional(z.int().check(z.nonnegative())),
  maxDelayMs: z.optional(z.int().check(z.nonnegative())),
  timeoutMs: z.optional(z.int().check(z.positive())),
});

function parseBody<T>(schema: z.ZodMiniType<T>, raw: string): T {
  const json = parseJson(raw === '' ? '{}' : raw);
  if (!json.ok) throw new SandboxError(`Body is not valid JSON: ${json.error}`, 400);
  const result = schema.safeParse(json.value);
  if (!result.success) throw new SandboxError(z.prettifyError(result.error), 400);
  return result.data;
}

export async function handleControl(
  sandbox: Sandbox,
  pageState: () => PageModel,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  raw: string,
): Promise<void> {
  const method = req.method ?? 'GET';
  const path = url.pathname.replace(/\/+$/, '') || '/';
  const route = `${method} ${path}`;

  if (route === 'GET /__sandbox') return sendText(res, 200, 'text/html; charset=utf-8', renderPage(pageState()));
  if (route === 'GET /__sandbox/requests') return sendJson(res, 200, sandbox.requests());
  if (route === 'DELETE /__sandbox/requests') {
    sandbox.clearRequests();
    return sendJson(res, 200, { cleared: true });
  }
  if (route === 'GET /__sandbox/deliveries') return sendJson(res, 200, sandbox.deliveries());
  if (route === 'DELETE /__sandbox/deliveries') {
    sandbox.clearDeliveries();
    return sendJson(res, 200, { cleared: true });
  }
  if (route === 'GET /__sandbox/agents') return sendJson(res, 200, sandbox.agents());
  if (route === 'GET /__sandbox/failure') return sendJson(res, 200, { failure: sandbox.failure() });
  if (route === 'POST /__sandbox/failure') {
    sandbox.setFailure(parseBody(Failure, raw));
    return sendJson(res, 200, { failure: sandbox.failure() });
  }
  if (route === 'GET /__sandbox/config') return sendJson(res, 200, sandbox.webhookConfig());
  if (route === 'POST /__sandbox/config') return sendJson(res, 200, sandbox.configureWebhooks(parseBody(ConfigBody, raw)));
  if (route === 'POST /__sandbox/fire') return fire(sandbox, res, raw);

  const agent = /^\/__sandbox\/agents\/([^/]+)(\/status)?$/.exec(path);
  if (agent?.[1]) {
    const email = decodeURIComponent(agent[1]);
    if (method === 'GET' && !agent[2]) {
      const state = sandbox.agentStatus(email);
      return state ? sendJson(res, 200, state) : sendJson(res, 404, { message: `Unknown agent ${email}` });
    }
    if (method === 'POST' && agent[2]) {
      const { status, substatus } = parseBody(HubStatusBody, raw);
      return sendJson(res, 200, await sandbox.changeStatusInHub(email, status, substatus));
    }
  }
  return sendJson(res, 404, { message: `No sandbox route ${route}` });
}

async function fire(sandbox: Sandbox, res: ServerResponse, raw: string): Promise<void> {
  const json = parseJson(raw === '' ? '{}' : raw);
  const isBatch = json.ok && typeof json.value === 'object' && json.value !== null && 'batch' in json.value;
  if (isBatch) {
    const { batch, order, wait } = parseBody(BatchBody, raw);
    const sending = sandbox.fireBatch(batch, order);
    if (wait === false) return answerLater(res, sending);
    return sendJson(res, 200, await sending);
  }
  const { kind, wait, ...opts } = parseBody(FireBody, raw);
  const sending = sandbox.fire(kind, opts);
  if (wait === false) return answerLater(res, sending);
  return sendJson(res, 200, await sending);
}

async function answerLater(res: ServerResponse, sending: Promise<unknown>): Promise<void> {
  // A rejection that comes at once (bad kind, no URL configured) is still the caller's error.
  const early = await Promise.race([
    sending.then(
      () => null,
      (err: unknown) => err,
    ),
    new Promise((r) => setImmediate(r, null)),
  ]);
  if (early) throw early;
  sending.catch(() => undefined);
  sendJson(res, 202, { accepted: true });
}
