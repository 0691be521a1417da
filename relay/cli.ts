// Thin command line around createRelay. Every option is a flag or an environment variable
// (see CONFIG_DOCS); secrets are read from there and never printed back.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { decodeRelayToken, DEFAULT_TOKEN_TTL_DAYS, issueRelayToken } from './auth';
import { CONFIG_DOCS, formatConfigDocs, loadConfig, loadConfigKeys } from './config';
import { createRelay } from './relay';
import { RelayRedisStore } from './redis-store';
import { SqliteEventStore } from './sqlite-store';

const USAGE = `Switchboard relay

Usage:
  npm run relay -- [serve] [options]           run the relay (default command)
  npm run relay -- token <agent-email> [--days N | --no-expiry]
                                               print a relay token for one agent (needs RELAY_SECRET);
                                               it expires after ${DEFAULT_TOKEN_TTL_DAYS} days unless --days or
                                               --no-expiry says otherwise
  npm run relay -- revoke <token-or-jti>       revoke a token (recorded in the relay database;
                                               open sockets using it close within one ping interval;
                                               with RELAY_REDIS_URL set, recorded in Redis)
  npm run relay -- help                        this text

Options (flag, environment variable):
${formatConfigDocs()}
`;

type Options = NonNullable<ParseArgsConfig['options']>;
type Values = Record<string, string | boolean | Array<string | boolean> | undefined>;

interface Command {
  /** Options of this command besides the config flags, which every command accepts. */
  options: Options;
  run(values: Values, positionals: string[]): Promise<void> | void;
}

class UsageError extends Error {}

function fail(lines: string[], code = 2): never {
  for (const l of lines) process.stderr.write(`relay: ${l}\n`);
  process.exit(code);
}

/** The config flags given, keyed as loadConfig expects them (`--port`). */
function configFlags(values: Values): Record<string, string> {
  const flags: Record<string, string> = {};
  for (const d of CONFIG_DOCS) {
    const v = values[d.flag.slice(2)];
    if (typeof v === 'string') flags[d.flag] = v;
  }
  return flags;
}

async function serve(values: Values, positionals: string[]): Promise<void> {
  if (positionals.length) throw new UsageError(`serve takes no arguments (got "${positionals[0]}")`);
  const loaded = loadConfig(configFlags(values), process.env);
  if (!loaded.ok) fail(['cannot start:', ...loaded.errors.map((e) => `  - ${e}`)]);
  const relay = await createRelay(loaded.config);
  process.stderr.write(`relay: listening on ${relay.url} (websocket ${relay.wsUrl})\n`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      process.stderr.write(`relay: ${signal} again, exiting now\n`);
      process.exit(1);
    }
    stopping = true;
    relay.close().then(
      () => process.exit(0),
      (err: unknown) => fail([`shutdown failed: ${(err as Error).message}`], 1),
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

function token(values: Values, positionals: string[]): void {
  const agent = positionals[0];
  if (!agent || positionals.length > 1) throw new UsageError('usage: token <agent-email> [--days N | --no-expiry]');
  if (values.days !== undefined && values['no-expiry']) throw new UsageError('give --days or --no-expiry, not both');
  const loaded = loadConfigKeys(configFlags(values), process.env, ['secret']);
  if (!loaded.ok) fail(loaded.errors);
  const days = typeof values.days === 'string' ? Number(values.days) : undefined;
  if (days !== undefined && !(days > 0)) fail(['--days must be a positive number']);
  try {
    const { token, claims } = issueRelayToken(loaded.config.secret, agent, { ttlDays: values['no-expiry'] ? 'never' : days });
    const expires = claims.exp ? new Date(claims.exp * 1000).toISOString() : 'never';
    process.stderr.write(`relay: token for ${claims.sub} (jti ${claims.jti}, expires ${expires})\n`);
    process.stdout.write(token + '\n');
  } catch (err) {
    fail([(err as Error).message]);
  }
}

async function revoke(values: Values, positionals: string[]): Promise<void> {
  const arg = positionals[0];
  if (!arg || positionals.length > 1) throw new UsageError('usage: revoke <token-or-jti>');
  const loaded = loadConfigKeys(configFlags(values), process.env, ['dbPath', 'redisUrl']);
  if (!loaded.ok) fail(loaded.errors);
  const jti = arg.startsWith('sb1.') ? decodeRelayToken(arg)?.jti : arg;
  if (!jti) fail(['that is not a relay token (expected sb1.…) nor a jti']);
  const { redisUrl, dbPath } = loaded.config;
  const store = redisUrl ? await RelayRedisStore.open(redisUrl) : new SqliteEventStore(dbPath);
  await store.revokeToken(jti);
  await store.close();
  process.stderr.write(`relay: revoked jti ${jti} in ${redisUrl ? 'Redis' : dbPath}\n`);
}

// A new command is one entry here (and a line in USAGE). Options share one namespace across
// commands (the command may come after its options), so a name must mean the same everywhere.
const COMMANDS: Record<string, Command> = {
  serve: { options: {}, run: serve },
  token: { options: { days: { type: 'string' }, 'no-expiry': { type: 'boolean' } }, run: token },
  revoke: { options: {}, run: revoke },
};

const CONFIG_OPTIONS: Options = Object.fromEntries(CONFIG_DOCS.map((d) => [d.flag.slice(2), { type: 'string' }]));
const ALL_OPTIONS: Options = Object.assign({ help: { type: 'boolean', short: 'h' } }, CONFIG_OPTIONS, ...Object.values(COMMANDS).map((c) => c.options));

/** parseArgs' errors, in this CLI's words: what is wrong and with which option. */
function usageMessage(err: unknown): string {
  const e = err as { code?: string; message?: string };
  const quoted = /'([^'\s]+)/.exec(e.message ?? '')?.[1];
  switch (e.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${quoted} (see --help)`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return ALL_OPTIONS[quoted?.replace(/^--/, '') ?? '']?.type === 'boolean' ? `${quoted} takes no value` : `${quoted} needs a value`;
    default:
      return e.message ?? String(err);
  }
}

async function main(argv: string[]): Promise<void> {
  let parsed: { values: Values; positionals: string[] };
  try {
    parsed = parseArgs({ args: argv, options: ALL_OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(usageMessage(err));
  }
  const { values, positionals } = parsed;
  const name = positionals.shift() ?? 'serve';
  if (values.help || name === 'help') {
    process.stdout.write(USAGE);
    return;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name]! : undefined;
  if (!command) throw new UsageError(`unknown command "${name}" (see --help)`);
  for (const option of Object.keys(values)) {
    if (!Object.hasOwn(CONFIG_OPTIONS, option) && !Object.hasOwn(command.options, option)) throw new UsageError(`--${option} is not an option of ${name} (see --help)`);
  }
  await command.run(values, positionals);
}

main(process.argv.slice(2)).catch((err: unknown) => fail([(err as Error).message], err instanceof UsageError ? 2 : 1));
