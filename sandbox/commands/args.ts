// What the sandbox's commands share: argument parsing (node:util parseArgs, strict), the usage
// error that exits 2, the environment's defaults, and where and how webhooks are sent.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { isSpelling, SPELLINGS, type Spelling } from '../payloads';
import { DEFAULT_RELAY_URL, DEFAULT_WEBHOOK_TOKEN, relayWebhookUrls } from '../relay-targets';
import type { DeliveryOptions, TokenHeader } from '../webhook-sender';

/** A mistake in the command line: printed with a pointer to --help, exit code 2. */
export class UsageError extends Error {}

/** An empty variable counts as unset, so `FOO= npm run …` falls back to the default. */
export const env = new Proxy(process.env, { get: (target, name: string) => target[name] || undefined });

type Options = NonNullable<ParseArgsConfig['options']>;

/** The options of the commands that send webhooks to the relay (fire, scenario). */
export const TARGET_OPTIONS = {
  to: { type: 'string' },
  token: { type: 'string' },
  header: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies Options;

export function parse<O extends Options>(args: string[], options: O, positionals = false) {
  try {
    return parseArgs({ args, options, allowPositionals: positionals, strict: true });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

export function targetFrom(values: { to?: string; token?: string; header?: string }) {
  const base = values.to ?? env.SANDBOX_WEBHOOK_URL ?? DEFAULT_RELAY_URL;
  if (!URL.canParse(base)) throw new UsageError(`--to must be a URL, got "${base}"`);
  const token = values.token ?? env.SNAPENGAGE_WEBHOOK_TOKEN ?? DEFAULT_WEBHOOK_TOKEN;
  const delivery: DeliveryOptions = { token, header: tokenHeader(values.header), initialDelayMs: 300 };
  return { ...relayWebhookUrls(base), delivery };
}

export function tokenHeader(value: string | undefined): TokenHeader {
  if (value === undefined || value.toLowerCase() === 'authorization') return 'Authorization';
  if (value.toLowerCase() === 'authentication') return 'Authentication';
  throw new UsageError(`The token header must be Authorization or Authentication, got "${value}"`);
}

export function spellingsFrom(values: string[] | undefined): Spelling[] | undefined {
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
