// Thin command line around createRelay. Every option is a flag or an environment variable
// (see CONFIG_DOCS); secrets are read from there and never printed back.
import { decodeRelayToken, issueRelayToken } from './auth';
import { CONFIG_DOCS, formatConfigDocs, loadConfig, loadConfigKeys } from './config';
import { QUARANTINE_USAGE, quarantineCommand } from './quarantine-cli';
import { createRelay } from './relay';
import { RelayRedisStore } from './redis-store';
import { SqliteEventStore } from './sqlite-store';

const USAGE = `Switchboard relay

Usage:
  npm run relay -- [serve] [options]           run the relay (default command)
  npm run relay -- token <agent-email> [--days N]
                                               print a relay token for one agent (needs RELAY_SECRET)
  npm run relay -- revoke <token-or-jti>       revoke a token (recorded in the relay database;
                                               open sockets using it close within one ping interval;
                                               with RELAY_REDIS_URL set, recorded in Redis)
${QUARANTINE_USAGE}  npm run relay -- help                        this text

Options (flag, environment variable):
${formatConfigDocs()}
`;

interface Args {
  command: string;
  positional: string[];
  flags: Record<string, string>;
}

const KNOWN_FLAGS = new Set([...CONFIG_DOCS.map((d) => d.flag), '--days']);

function parseArgs(argv: string[]): Args | { error: string } {
  const positional: string[] = [];
  const flags: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') return { command: 'help', positional, flags };
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg : arg.slice(0, eq);
    if (!KNOWN_FLAGS.has(name)) return { error: `unknown option ${name} (see --help)` };
    const value = eq === -1 ? argv[++i] : arg.slice(eq + 1);
    if (value === undefined) return { error: `${name} needs a value` };
    flags[name] = value;
  }
  const command = positional.shift() ?? 'serve';
  return { command, positional, flags };
}

function fail(lines: string[], code = 2): never {
  for (const l of lines) process.stderr.write(`relay: ${l}\n`);
  process.exit(code);
}

async function serve(flags: Record<string, string>): Promise<void> {
  const loaded = loadConfig(flags, process.env);
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

function token(positional: string[], flags: Record<string, string>): void {
  const agent = positional[0];
  if (!agent) fail(['usage: token <agent-email> [--days N]']);
  const loaded = loadConfigKeys(flags, process.env, ['secret']);
  if (!loaded.ok) fail(loaded.errors);
  const days = flags['--days'] === undefined ? undefined : Number(flags['--days']);
  if (days !== undefined && !(days > 0)) fail(['--days must be a positive number']);
  try {
    const { token, claims } = issueRelayToken(loaded.config.secret, agent, { ttlDays: days });
    const expires = claims.exp ? new Date(claims.exp * 1000).toISOString() : 'never';
    process.stderr.write(`relay: token for ${claims.sub} (jti ${claims.jti}, expires ${expires})\n`);
    process.stdout.write(token + '\n');
  } catch (err) {
    fail([(err as Error).message]);
  }
}

async function revoke(positional: string[], flags: Record<string, string>): Promise<void> {
  const arg = positional[0];
  if (!arg) fail(['usage: revoke <token-or-jti>']);
  const loaded = loadConfigKeys(flags, process.env, ['dbPath', 'redisUrl']);
  if (!loaded.ok) fail(loaded.errors);
  const jti = arg.startsWith('sb1.') ? decodeRelayToken(arg)?.jti : arg;
  if (!jti) fail(['that is not a relay token (expected sb1.…) nor a jti']);
  const { redisUrl, dbPath } = loaded.config;
  const store = redisUrl ? await RelayRedisStore.open(redisUrl) : new SqliteEventStore(dbPath);
  await store.revokeToken(jti);
  await store.close();
  process.stderr.write(`relay: revoked jti ${jti} in ${redisUrl ? 'Redis' : dbPath}\n`);
}

async function main(): Promise<void> {
  // Its own options (--id repeats, --all); never a secret: those come from the environment.
  if (process.argv[2] === 'quarantine') {
    process.exitCode = await quarantineCommand(process.argv.slice(3));
    return;
  }
  const args = parseArgs(process.argv.slice(2));
  if ('error' in args) fail([args.error]);
  switch (args.command) {
    case 'help':
      process.stdout.write(USAGE);
      return;
    case 'serve':
      return serve(args.flags);
    case 'token':
      return token(args.positional, args.flags);
    case 'revoke':
      return revoke(args.positional, args.flags);
    default:
      fail([`unknown command "${args.command}" (see --help)`]);
  }
}

main().catch((err: unknown) => fail([(err as Error).message], 1));
