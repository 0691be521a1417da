// `npm run sandbox -- serve`: the SnapEngage stand-in, until Ctrl+C.
import { DEFAULT_STATUS_REQUEST, StatusRequestOverride } from '@switchboard/protocol/agent-status-request';
import { DEFAULT_RELAY_URL, DEFAULT_WEBHOOK_TOKEN, relayWebhookUrls } from '../relay-targets';
import { DEFAULT_AGENTS, DEFAULT_API_TOKEN, DEFAULT_ORG_ID, DEFAULT_PORT, createSandbox } from '../server';
import { env, parse, tokenHeader, UsageError } from './args';

export const SERVE_HELP = `  serve (default)   Start the sandbox.
      --port <n>            port (env SANDBOX_PORT, default ${DEFAULT_PORT}; 0 = any free port)
      --host <addr>         interface (default 127.0.0.1)
      --org <id>            organisation id (env SANDBOX_ORG_ID, default ${DEFAULT_ORG_ID})
      --token <t>           API token agents use (env SANDBOX_API_TOKEN, default ${DEFAULT_API_TOKEN})
      --agents <a,b>        agent emails (env SANDBOX_AGENTS, default ${DEFAULT_AGENTS.join(',')})
      --webhook-url <url>   relay base URL to send webhooks to (env SANDBOX_WEBHOOK_URL), e.g. ${DEFAULT_RELAY_URL}
      --webhook-token <t>   token sent with webhooks (env SNAPENGAGE_WEBHOOK_TOKEN, default ${DEFAULT_WEBHOOK_TOKEN})
      --webhook-header <h>  Authorization (default) or Authentication
    A SnapEngage whose Agent Status API differs from the inferred request (then the inferred one is refused):
      --status-path <p>     path template, default ${DEFAULT_STATUS_REQUEST.path}
      --agent-field <f>     body field for the agent, default ${DEFAULT_STATUS_REQUEST.agentField}
      --status-field <f>    body field for the status, default ${DEFAULT_STATUS_REQUEST.statusField}
      --substatus-field <f> body field for the pause reason, default ${DEFAULT_STATUS_REQUEST.substatusField}
      --auth <bare|bearer>  the API token as "Authorization: <token>" (default) or "Authorization: Bearer <token>"
`;

export async function serve(args: string[]): Promise<number> {
  const { values } = parse(args, {
    port: { type: 'string' },
    host: { type: 'string' },
    org: { type: 'string' },
    token: { type: 'string' },
    agents: { type: 'string' },
    'webhook-url': { type: 'string' },
    'webhook-token': { type: 'string' },
    'webhook-header': { type: 'string' },
    'status-path': { type: 'string' },
    'agent-field': { type: 'string' },
    'status-field': { type: 'string' },
    'substatus-field': { type: 'string' },
    auth: { type: 'string' },
    help: { type: 'boolean' },
  });
  const port = Number(values.port ?? env.SANDBOX_PORT ?? DEFAULT_PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new UsageError(`--port must be 0–65535, got ${values.port}`);
  const agents = (values.agents ?? env.SANDBOX_AGENTS)
    ?.split(',')
    .map((a) => a.trim())
    .filter(Boolean);
  const webhookBase = values['webhook-url'] ?? env.SANDBOX_WEBHOOK_URL;
  const webhookToken = values['webhook-token'] ?? env.SNAPENGAGE_WEBHOOK_TOKEN ?? DEFAULT_WEBHOOK_TOKEN;
  const header = tokenHeader(values['webhook-header']);
  const statusRequest = statusRequestFrom(values);

  const sandbox = await createSandbox({
    port,
    host: values.host ?? '127.0.0.1',
    orgId: values.org ?? env.SANDBOX_ORG_ID ?? DEFAULT_ORG_ID,
    apiToken: values.token ?? env.SANDBOX_API_TOKEN ?? DEFAULT_API_TOKEN,
    ...(agents?.length && { agents }),
    statusRequest,
    webhook: { ...(webhookBase && relayWebhookUrls(webhookBase)), token: webhookToken, header },
    log: (line) => console.log(`${new Date().toISOString()}  ${line}`),
  });
  const hook = sandbox.webhookConfig();
  console.log(
    [
      '',
      'SnapEngage sandbox is running',
      `  URL            ${sandbox.url}`,
      `  API base       ${sandbox.url}/api/v2/${sandbox.orgId}/`,
      `  Org id         ${sandbox.orgId}`,
      `  API token      ${sandbox.apiToken}`,
      `  Status API     POST ${sandbox.statusRequest.path} {${sandbox.statusRequest.agentField}, ${sandbox.statusRequest.statusField}, ${sandbox.statusRequest.substatusField}}, token ${sandbox.statusRequest.auth === 'bearer' ? 'as Bearer' : 'bare'}`,
      `  Agents         ${sandbox
        .agents()
        .map((a) => a.agentId)
        .join(', ')}`,
      `  Request log    ${sandbox.url}/__sandbox`,
      hook.conversationUrl
        ? `  Webhooks to    ${hook.conversationUrl}\n                 ${hook.statusUrl}\n                 (token "${webhookToken}" in ${header})`
        : '  Webhooks       not configured (--webhook-url http://127.0.0.1:8787 to send them to the relay)',
      '',
      'Ctrl+C to stop.',
      '',
    ].join('\n'),
  );

  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      console.log(`\n${signal}: stopping the sandbox…`);
      sandbox.close().then(resolve, resolve);
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  return 0;
}

/** The request shape the flags ask for, each part checked as the extension and the relay check an override. */
function statusRequestFrom(values: Record<string, unknown>): StatusRequestOverride {
  const flags = {
    path: 'status-path',
    agentField: 'agent-field',
    statusField: 'status-field',
    substatusField: 'substatus-field',
    auth: 'auth',
  } as const satisfies Record<keyof StatusRequestOverride, string>;
  const given = Object.fromEntries(
    Object.entries(flags).flatMap(([key, flag]) => (values[flag] === undefined ? [] : [[key, values[flag]]])),
  );
  const parsed = StatusRequestOverride.safeParse(given);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const bad = flags[issue.path[0] as keyof typeof flags];
  throw new UsageError(`--${bad} ${bad === 'auth' ? 'must be bare or bearer' : issue.message}`);
}
