// npm run sandbox -- <serve|fire|scenario|help> …   (exit codes: 0 ok, 1 delivery failed, 2 usage)
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { randomUUID } from 'node:crypto';
import { CONVERSATION_KINDS, isConversationKind, type ConversationKind } from '@switchboard/protocol/event-kinds';
import { DEFAULT_STATUS_REQUEST, StatusRequestOverride } from '@switchboard/protocol/agent-status-request';
import { isAgentStatus } from '@switchboard/protocol/status';
import {
  SPELLINGS,
  agentStatusEvent,
  conversationEvent,
  isSpelling,
  spell,
  type ConversationEventOptions,
  type Spelling,
  type WireBody,
} from './payloads';
import { DEFAULT_RELAY_URL, DEFAULT_WEBHOOK_TOKEN, relayWebhookUrls } from './relay-targets';
import { DEFAULT_AGENTS, DEFAULT_API_TOKEN, DEFAULT_ORG_ID, DEFAULT_PORT, createSandbox } from './server';
import { deliverTwice, deliverWebhook, type DeliveryOptions, type DeliveryResult, type TokenHeader } from './webhook-sender';

/** An empty variable counts as unset, so `FOO= npm run …` falls back to the default. */
const env = new Proxy(process.env, { get: (target, name: string) => target[name] || undefined });

const HELP = `SnapEngage sandbox — a local stand-in for SnapEngage's Agent Status API and webhooks.

Usage: npm run sandbox -- <command> [options]

Commands:
  serve (default)   Start the sandbox.
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

  fire <kind>       Build one webhook and POST it straight to the relay; print the answer.
      kinds: ${CONVERSATION_KINDS.join(', ')}, status
      --agent <email>       the agent (default alice@example.com)
      --visitor <name>      visitor name (default Sam)       --email <addr>  visitor email
      --question <text>     what the visitor asked           --conversation <id>  reuse a conversation id
      --from <email>        transferred: previous agent
      --status <s>          status: online | pause | offline  --substatus <text>  --previous <status>
      --to <url>            relay base URL (env SANDBOX_WEBHOOK_URL, default ${DEFAULT_RELAY_URL})
      --token <t>           webhook token (env SNAPENGAGE_WEBHOOK_TOKEN, default ${DEFAULT_WEBHOOK_TOKEN})
      --header <h>          Authorization (default) or Authentication
      --spelling <v>        a tolerated variant; repeat or comma-separate to combine:
                            ${SPELLINGS.join(', ')}
      --twice               deliver the same body twice (a duplicate delivery)
      --attempts <n>        give up after n attempts (default 3)

  scenario          A scripted demo against the relay: chat assigned → responded → a second chat
                    (assigned to a colleague) → transferred to the agent → both closed.
      --agent <email>       default alice@example.com     --other <email>  default bob@example.com
      --to <url>  --token <t>  --header <h>               as for fire
      --gap <seconds>       pause between steps (default 1.5)

  help              This text (also --help).

Examples:
  npm run sandbox -- serve --webhook-url http://127.0.0.1:8787
  npm run sandbox -- fire assigned --agent alice@example.com --visitor Sam --question "Where is my order?"
  npm run sandbox -- fire status --agent alice@example.com --status pause --substatus Meeting
  npm run sandbox -- fire closed --agent alice@example.com --conversation c-1 --spelling snake,seconds --twice
`;

class UsageError extends Error {}

type Options = NonNullable<ParseArgsConfig['options']>;

const TARGET_OPTIONS = {
  to: { type: 'string' },
  token: { type: 'string' },
  header: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies Options;

function parse<O extends Options>(args: string[], options: O, positionals = false) {
  try {
    return parseArgs({ args, options, allowPositionals: positionals, strict: true });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

async function main(argv: string[]): Promise<number> {
  const first = argv[0];
  const command = first === undefined || first.startsWith('-') ? 'serve' : first;
  const rest = command === first ? argv.slice(1) : argv;
  if (command === 'help' || rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(HELP);
    return 0;
  }
  switch (command) {
    case 'serve':
      return serve(rest);
    case 'fire':
      return fire(rest);
    case 'scenario':
      return scenario(rest);
    default:
      throw new UsageError(`Unknown command "${command}". Commands: serve, fire, scenario, help.`);
  }
}

// ---- serve --------------------------------------------------------------------------------

async function serve(args: string[]): Promise<number> {
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

// ---- fire ---------------------------------------------------------------------------------

async function fire(args: string[]): Promise<number> {
  const { values, positionals } = parse(
    args,
    {
      ...TARGET_OPTIONS,
      agent: { type: 'string' },
      visitor: { type: 'string' },
      email: { type: 'string' },
      question: { type: 'string' },
      conversation: { type: 'string' },
      from: { type: 'string' },
      status: { type: 'string' },
      substatus: { type: 'string' },
      previous: { type: 'string' },
      spelling: { type: 'string', multiple: true },
      twice: { type: 'boolean' },
      attempts: { type: 'string' },
    },
    true,
  );
  const kind = positionals[0];
  if (!kind) throw new UsageError(`fire needs a kind: ${CONVERSATION_KINDS.join(', ')}, status`);
  if (positionals.length > 1) throw new UsageError(`Unexpected argument "${positionals[1]}" (quote texts with spaces)`);
  if (kind !== 'status' && !isConversationKind(kind)) {
    throw new UsageError(`Unknown kind "${kind}". Kinds: ${CONVERSATION_KINDS.join(', ')}, status.`);
  }
  const target = targetFrom(values);
  const spelling = spellingsFrom(values.spelling);
  const agent = values.agent ?? 'alice@example.com';
  const attempts = Number(values.attempts ?? 3);
  if (!Number.isInteger(attempts) || attempts < 1) throw new UsageError('--attempts must be a positive integer');

  let url: string;
  let body: WireBody;
  if (kind === 'status') {
    const status = values.status ?? 'pause';
    if (!isAgentStatus(status)) {
      throw new UsageError(`--status must be online, pause or offline, got "${status}"`);
    }
    url = target.statusUrl;
    const event = agentStatusEvent({
      agentId: agent,
      status,
      ...(values.substatus !== undefined && { substatus: values.substatus }),
      ...(values.previous !== undefined && { previousStatus: values.previous }),
    });
    body = spelling ? spell(event, spelling) : { ...event };
  } else if (isConversationKind(kind)) {
    url = target.conversationUrl;
    const opts: ConversationEventOptions = { agent };
    if (values.visitor !== undefined) opts.visitorName = values.visitor;
    if (values.email !== undefined) opts.visitorEmail = values.email;
    if (values.question !== undefined) opts.question = values.question;
    if (values.conversation !== undefined) opts.conversationId = values.conversation;
    if (values.from !== undefined) opts.fromAgent = values.from;
    if (spelling) opts.spelling = spelling;
    body = conversationEvent(kind, opts);
  } else {
    throw new UsageError(`Unknown kind "${kind}". Kinds: ${CONVERSATION_KINDS.join(', ')}, status.`);
  }

  console.log(`POST ${url}\n${JSON.stringify(body, null, 2)}`);
  const options = { ...target.delivery, maxAttempts: attempts, onAttempt: printAttempt };
  const result = values.twice ? await deliverTwice(url, body, options) : await deliverWebhook(url, body, options);
  printResult(result);
  if (result.duplicate) printResult(result.duplicate, 'second delivery');
  return result.ok && (!result.duplicate || result.duplicate.ok) ? 0 : 1;
}

// ---- scenario -----------------------------------------------------------------------------

async function scenario(args: string[]): Promise<number> {
  const { values } = parse(args, {
    ...TARGET_OPTIONS,
    agent: { type: 'string' },
    other: { type: 'string' },
    gap: { type: 'string' },
  });
  const target = targetFrom(values);
  const agent = values.agent ?? 'alice@example.com';
  const other = values.other ?? (agent === 'bob@example.com' ? 'alice@example.com' : 'bob@example.com');
  const gapSeconds = Number(values.gap ?? 1.5);
  if (!Number.isFinite(gapSeconds) || gapSeconds < 0) throw new UsageError('--gap must be a number of seconds ≥ 0');
  const gap = gapSeconds * 1000;

  const first = {
    conversationId: randomUUID(),
    visitorName: 'Sam',
    visitorEmail: 'sam@example.org',
    question: 'Where is my order?',
    createdAt: Date.now(),
  };
  const second = {
    conversationId: randomUUID(),
    visitorName: 'Jordan',
    visitorEmail: 'jordan@example.org',
    question: 'Can I change my delivery address?',
    pageUrl: 'https://shop.example.com/account',
    createdAt: Date.now() + gap,
  };
  const steps: Array<{ wait: number; kind: ConversationKind; what: string; opts: ConversationEventOptions }> = [
    { wait: 0, kind: 'assigned', what: `Sam's chat assigned to ${agent}`, opts: { ...first, agent } },
    { wait: gap, kind: 'responded', what: `${agent} responded to Sam`, opts: { ...first, agent } },
    {
      wait: Math.max(gap, Math.min(2000, gap * 2)),
      kind: 'assigned',
      what: `Jordan's chat assigned to ${other}`,
      opts: { ...second, agent: other },
    },
    { wait: gap, kind: 'transferred', what: `Jordan's chat transferred ${other} → ${agent}`, opts: { ...second, agent, fromAgent: other } },
    { wait: gap, kind: 'closed', what: `Sam's chat closed`, opts: { ...first, agent } },
    { wait: gap, kind: 'closed', what: `Jordan's chat closed`, opts: { ...second, agent } },
  ];

  console.log(`Scenario for ${agent} → ${target.conversationUrl}`);
  for (const [i, step] of steps.entries()) {
    if (step.wait > 0) await new Promise((r) => setTimeout(r, step.wait));
    const body = conversationEvent(step.kind, step.opts);
    const result = await deliverWebhook(target.conversationUrl, body, { ...target.delivery, maxAttempts: 3 });
    const answer = result.status ?? result.error;
    console.log(`${i + 1}/${steps.length}  ${step.kind.padEnd(11)} ${step.what}  → ${answer}`);
    if (!result.ok) {
      console.error(
        `Stopped: the relay answered ${answer}${result.response ? `: ${result.response}` : ''}. Is it running (npm run relay)?`,
      );
      return 1;
    }
  }
  console.log('Scenario done.');
  return 0;
}

// ---- shared -------------------------------------------------------------------------------

function targetFrom(values: { to?: string; token?: string; header?: string }) {
  const base = values.to ?? env.SANDBOX_WEBHOOK_URL ?? DEFAULT_RELAY_URL;
  if (!URL.canParse(base)) throw new UsageError(`--to must be a URL, got "${base}"`);
  const token = values.token ?? env.SNAPENGAGE_WEBHOOK_TOKEN ?? DEFAULT_WEBHOOK_TOKEN;
  const delivery: DeliveryOptions = { token, header: tokenHeader(values.header), initialDelayMs: 300 };
  return { ...relayWebhookUrls(base), delivery };
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

function tokenHeader(value: string | undefined): TokenHeader {
  if (value === undefined || value.toLowerCase() === 'authorization') return 'Authorization';
  if (value.toLowerCase() === 'authentication') return 'Authentication';
  throw new UsageError(`The token header must be Authorization or Authentication, got "${value}"`);
}

function spellingsFrom(values: string[] | undefined): Spelling[] | undefined {
  if (!values?.length) return undefined;
  const spellings = values
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);
  for (const s of spellings) {
    if (!isSpelling(s)) throw new UsageError(`Unknown spelling "${s}". Spellings: ${SPELLINGS.join(', ')}.`);
  }
  return spellings as Spelling[];
}

function printAttempt(a: { attempt: number; status: number | null; error?: string }): void {
  if (a.status !== 200) console.log(`  attempt ${a.attempt}: ${a.status ?? a.error}`);
}

function printResult(result: DeliveryResult, label = 'answer'): void {
  const answer = result.status ?? `no answer (${result.error})`;
  console.log(`→ ${label}: ${answer} after ${result.attempts} attempt(s)${result.response ? `\n${result.response}` : ''}`);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError) {
      console.error(`${err.message}\nRun "npm run sandbox -- --help" for usage.`);
      process.exitCode = 2;
      return;
    }
    console.error(err);
    process.exitCode = 1;
  },
);
