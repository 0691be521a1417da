// `npm run sandbox -- serve`: the SnapEngage stand-in, until Ctrl+C.
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

  const sandbox = await createSandbox({
    port,
    host: values.host ?? '127.0.0.1',
    orgId: values.org ?? env.SANDBOX_ORG_ID ?? DEFAULT_ORG_ID,
    apiToken: values.token ?? env.SANDBOX_API_TOKEN ?? DEFAULT_API_TOKEN,
    ...(agents?.length && { agents }),
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
