// The human view of the sandbox: who is in which status, where webhooks go, what came in.
import type { AgentState } from './agents';
import type { FailureState } from './failure';
import type { RecordedRequest } from './request-log';
import { maskSecret } from './request-log';
import type { RecordedDelivery } from './webhook-deliveries';

export interface PageModel {
  url: string;
  orgId: string;
  apiToken: string;
  agents: AgentState[];
  failure: FailureState | null;
  webhook: { conversationUrl?: string; statusUrl?: string; token?: string; header: string };
  requests: RecordedRequest[];
  deliveries: readonly RecordedDelivery[];
}

const SECRET_HEADERS = new Set(['authorization', 'authentication']);

function esc(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function json(value: unknown): string {
  return value === null || value === undefined ? '' : esc(JSON.stringify(value));
}

function maskedHeaders(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, SECRET_HEADERS.has(name) ? maskSecret(value) : value]));
}

export function renderPage(model: PageModel): string {
  const agentRows = model.agents
    .map(
      (a) =>
        `<tr><td>${esc(a.agentId)}</td><td class="s-${esc(a.status)}">${esc(a.status)}</td><td>${esc(a.substatus)}</td><td>${esc(a.updatedAt)}</td></tr>`,
    )
    .join('');
  const requestRows = [...model.requests]
    .reverse()
    .map((r) => {
      const shown = maskedHeaders(r.headers);
      const auth = shown.authorization ?? shown.authentication ?? '';
      const query = new URLSearchParams(r.query).toString();
      return `<tr><td>${esc(r.time)}</td><td>${esc(r.method)}</td><td>${esc(r.path)}${query ? `?${esc(query)}` : ''}</td><td>${esc(auth)}</td><td><code>${json(r.body)}</code></td><td class="st">${esc(r.status)}</td></tr>`;
    })
    .join('');
  const deliveryRows = [...model.deliveries]
    .reverse()
    .map(
      (d) =>
        `<tr><td>${esc(d.time)}</td><td>${esc(d.kind)}</td><td>${esc(d.url)}</td><td class="st">${esc(d.status ?? d.error)}</td><td>${esc(d.attempts)}</td><td><code>${json(d.body)}</code></td></tr>`,
    )
    .join('');
  const failure = model.failure
    ? `${model.failure.mode}${model.failure.retryAfter !== undefined ? `, Retry-After ${model.failure.retryAfter}s` : ''}${model.failure.remaining !== null ? `, ${model.failure.remaining} left` : ''}`
    : 'none';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="2">
<title>SnapEngage sandbox</title>
<style>
body{font:14px system-ui,sans-serif;margin:1.5rem;color:#222}
table{border-collapse:collapse;margin-bottom:1.5rem;width:100%}
td,th{border:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f4f4f4}code{font-size:12px;word-break:break-all}
.s-online{color:#177a2b;font-weight:600}.s-pause{color:#b26a00;font-weight:600}.s-offline{color:#777}
dt{font-weight:600}dd{margin:0 0 .4rem 0}
</style></head><body>
<h1>SnapEngage sandbox</h1>
<dl>
<dt>API base</dt><dd>${esc(model.url)}/api/v2/${esc(model.orgId)}/</dd>
<dt>API token</dt><dd>${esc(maskSecret(model.apiToken))}</dd>
<dt>Failure mode</dt><dd>${esc(failure)}</dd>
<dt>Conversation events to</dt><dd>${esc(model.webhook.conversationUrl ?? '(not configured)')}</dd>
<dt>Agent status changes to</dt><dd>${esc(model.webhook.statusUrl ?? '(not configured)')}</dd>
<dt>Webhook token</dt><dd>${model.webhook.token ? `${esc(maskSecret(model.webhook.token))} in ${esc(model.webhook.header)}` : '(none)'}</dd>
</dl>
<h2>Agents</h2>
<table><tr><th>Agent</th><th>Status</th><th>Substatus</th><th>Updated</th></tr>${agentRows}</table>
<h2>Requests received (newest first)</h2>
<table><tr><th>Time</th><th>Method</th><th>Path</th><th>Token</th><th>Body</th><th>Answer</th></tr>${requestRows || '<tr><td colspan="6">none yet</td></tr>'}</table>
<h2>Webhooks sent (newest first)</h2>
<table><tr><th>Time</th><th>Kind</th><th>To</th><th>Answer</th><th>Attempts</th><th>Body</th></tr>${deliveryRows || '<tr><td colspan="6">none yet</td></tr>'}</table>
</body></html>`;
}
