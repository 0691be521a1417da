// `npm run sandbox -- scenario`: a scripted demo against the relay, one step at a time.
import { randomUUID } from 'node:crypto';
import type { ConversationKind } from '@switchboard/protocol/event-kinds';
import { conversationEvent, type ConversationEventOptions } from '../payloads';
import { deliverWebhook } from '../webhook-sender';
import { parse, TARGET_OPTIONS, targetFrom, UsageError } from './args';

export const SCENARIO_HELP = `  scenario          A scripted demo against the relay: chat assigned → responded → a second chat
                    (assigned to a colleague) → transferred to the agent → both closed.
      --agent <email>       default alice@example.com     --other <email>  default bob@example.com
      --to <url>  --token <t>  --header <h>               as for fire
      --gap <seconds>       pause between steps (default 1.5)
`;

export async function scenario(args: string[]): Promise<number> {
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
