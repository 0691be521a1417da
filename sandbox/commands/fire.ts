// `npm run sandbox -- fire <kind>`: one webhook, built and POSTed straight to the relay.
import { CONVERSATION_KINDS, isConversationKind } from '@switchboard/protocol/event-kinds';
import { AGENT_STATUSES, isAgentStatus } from '@switchboard/protocol/status';
import { oneOf } from '../errors';
import { agentStatusEvent, conversationEvent, SPELLINGS, spell, type ConversationEventOptions, type WireBody } from '../payloads';
import { DEFAULT_RELAY_URL, DEFAULT_WEBHOOK_TOKEN } from '../relay-targets';
import { deliverTwice, deliverWebhook, type DeliveryResult } from '../webhook-sender';
import { parse, spellingsFrom, TARGET_OPTIONS, targetFrom, UsageError } from './args';

export const FIRE_HELP = `  fire <kind>       Build one webhook and POST it straight to the relay; print the answer.
      kinds: ${CONVERSATION_KINDS.join(', ')}, status
      --agent <email>       the agent (default alice@example.com)
      --visitor <name>      visitor name (default Sam)       --email <addr>  visitor email
      --question <text>     what the visitor asked           --conversation <id>  reuse a conversation id
      --from <email>        transferred: previous agent
      --status <s>          status: ${AGENT_STATUSES.join(' | ')}  --substatus <text>  --previous <status>
      --to <url>            relay base URL (env SANDBOX_WEBHOOK_URL, default ${DEFAULT_RELAY_URL})
      --token <t>           webhook token (env SNAPENGAGE_WEBHOOK_TOKEN, default ${DEFAULT_WEBHOOK_TOKEN})
      --header <h>          Authorization (default) or Authentication
      --spelling <v>        a tolerated variant; repeat or comma-separate to combine:
                            ${SPELLINGS.join(', ')}
      --twice               deliver the same body twice (a duplicate delivery)
      --attempts <n>        give up after n attempts (default 3)
`;

export async function fire(args: string[]): Promise<number> {
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
      throw new UsageError(`--status must be ${oneOf(AGENT_STATUSES)}, got "${status}"`);
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

function printAttempt(a: { attempt: number; status: number | null; error?: string }): void {
  if (a.status !== 200) console.log(`  attempt ${a.attempt}: ${a.status ?? a.error}`);
}

function printResult(result: DeliveryResult, label = 'answer'): void {
  const answer = result.status ?? `no answer (${result.error})`;
  console.log(`→ ${label}: ${answer} after ${result.attempts} attempt(s)${result.response ? `\n${result.response}` : ''}`);
}
