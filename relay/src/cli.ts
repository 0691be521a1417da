// Thin command line around createRelay. Every option is a flag or an environment variable
// (see CONFIG_DOCS); secrets only the latter (or a file it names), and they are never printed back.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { decodeRevocableToken, DEFAULT_TOKEN_TTL_DAYS, issueRelayToken, issueSupervisorToken } from './auth';
import { CONFIG_DOCS, formatConfigDocs, loadConfig, loadConfigKeys, secretFlagRefusal } from './config';
import { BACKUP_USAGE, backupCommand } from './backup-cli';
import { DOCTOR_USAGE, doctorCommand } from './doctor-cli';
import { QUARANTINE_USAGE, quarantineCommand } from './quarantine-cli';
import { createRelay } from './relay';
import { issueSetupCode, readTeam, readTeamFile, SETUP_CODE_USAGE, teamCsv, writeCodesFile } from './setup-code-cli';
import { RelayRedisStore } from './redis-store';
import { SqliteEventStore } from './sqlite-store';

const USAGE = `Switchboard relay

Usage (installed from the package; in the repository \`npm run relay --\` runs the same from the sources):
  switchboard-relay [serve] [options]          run the relay (default command)
  switchboard-relay token <agent-email> [--days N | --no-expiry]
                                               print a relay token for one agent (needs RELAY_SECRET or RELAY_SECRET_FILE);
                                               it expires after ${DEFAULT_TOKEN_TTL_DAYS} days unless --days or
                                               --no-expiry says otherwise
  switchboard-relay token --role supervisor <email> [--days N | --no-expiry]
                                               print a supervisor token: it opens the team's live board and
                                               reports (/board) and nothing else (no agent's events, no status
                                               changes); expiry as above, revoked like an agent's token
                                               (--role agent, the default, is the line above)
  switchboard-relay revoke --jti <jti>         revoke an agent's or a supervisor's token by its id (printed by
                                               token; recorded in the relay database, or in Redis with
                                               RELAY_REDIS_URL set; open sockets using it close within one
                                               ping interval, board streams within half a minute)
  switchboard-relay revoke --stdin             the same, reading the whole token from stdin (never pass
                                               a token as an argument: ps and shell history keep it)
${SETUP_CODE_USAGE}${QUARANTINE_USAGE}${DOCTOR_USAGE}${BACKUP_USAGE}  switchboard-relay help                       this text

Options (flag, environment variable; the command line overrides the environment):
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
    const v = d.flag && values[d.flag.slice(2)];
    if (d.flag && typeof v === 'string') flags[d.flag] = v;
  }
  return flags;
}

async function serve(values: Values, positionals: string[]): Promise<void> {
  if (positionals.length) throw new UsageError('serve takes no arguments (see --help)');
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

const ROLES = ['agent', 'supervisor'] as const;

function token(values: Values, positionals: string[]): void {
  const role = values.role ?? 'agent';
  if (typeof role !== 'string' || !(ROLES as readonly string[]).includes(role))
    throw new UsageError(`--role is ${ROLES.join(' or ')} (agent when not given)`);
  const setupCode = values['setup-code'] || values.csv !== undefined || values.out !== undefined;
  if (setupCode && role === 'supervisor')
    throw new UsageError('--setup-code and --csv issue agent tokens; a supervisor token is printed with: token --role supervisor <email>');
  if (setupCode) return setupCodes(values, positionals);
  const agent = positionals[0];
  if (!agent || positionals.length > 1)
    throw new UsageError(
      role === 'supervisor'
        ? 'usage: token --role supervisor <email> [--days N | --no-expiry]'
        : 'usage: token <agent-email> [--days N | --no-expiry]',
    );
  if (values.days !== undefined && values['no-expiry']) throw new UsageError('give --days or --no-expiry, not both');
  const loaded = loadConfigKeys(configFlags(values), process.env, ['secret']);
  if (!loaded.ok) fail(loaded.errors);
  const days = typeof values.days === 'string' ? Number(values.days) : undefined;
  if (days !== undefined && !(days > 0)) fail(['--days must be a positive number']);
  try {
    const issue = role === 'supervisor' ? issueSupervisorToken : issueRelayToken;
    const { token: issued, claims } = issue(loaded.config.secret, agent, { ttlDays: values['no-expiry'] ? 'never' : days });
    const expires = claims.exp ? new Date(claims.exp * 1000).toISOString() : 'never';
    process.stderr.write(
      `relay: ${role === 'supervisor' ? 'supervisor token' : 'token'} for ${claims.sub} (jti ${claims.jti}, expires ${expires})\n`,
    );
    if (role === 'supervisor')
      process.stderr.write(
        "relay: it opens <relay URL>/board and the team's reports: every agent's status and chats; give it to team leads only\n",
      );
    // NFKC folded what it could (see normalizeAgentId); what is left may only look like ASCII.
    const beyondAscii = [...new Set([...claims.sub].filter((c) => c > '\x7e'))];
    if (beyondAscii.length) {
      const named = beyondAscii.map((c) => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`).join(', ');
      process.stderr.write(
        `relay: note: the address has characters beyond ASCII (${named}): it is another agent than an ASCII address that looks the same\n`,
      );
    }
    process.stdout.write(`${issued}\n`);
  } catch (err) {
    fail([(err as Error).message]);
  }
}

/** `token --setup-code <email>`, `token --csv <file> [--out <file>]`: see setup-code-cli.ts. */
function setupCodes(values: Values, positionals: string[]): void {
  const csv = typeof values.csv === 'string' ? values.csv : undefined;
  if (csv === undefined && values.out !== undefined) throw new UsageError('--out goes with --csv <team-file>');
  if (csv !== undefined && values['setup-code']) throw new UsageError('give --setup-code <email> or --csv <team-file>, not both');
  if (csv === undefined && positionals.length !== 1)
    throw new UsageError('usage: token --setup-code <agent-email> [--days N | --no-expiry]');
  if (csv !== undefined && positionals.length)
    throw new UsageError('token --csv <team-file> takes the emails from the file, not as arguments');
  if (values.days !== undefined && values['no-expiry']) throw new UsageError('give --days or --no-expiry, not both');
  const days = typeof values.days === 'string' ? Number(values.days) : undefined;
  if (days !== undefined && !(days > 0)) fail(['--days must be a positive number']);
  const ttlDays = values['no-expiry'] ? 'never' : days;
  const loaded = loadConfigKeys(configFlags(values), process.env, ['secret', 'publicUrl']);
  if (!loaded.ok) fail(loaded.errors);
  const { secret, publicUrl } = loaded.config;
  if (!publicUrl)
    fail(['setup codes carry the URL agents reach the relay at: set RELAY_PUBLIC_URL or pass --public-url (https://relay.example.com)']);
  const warn = (line: string) => process.stderr.write(`relay: ${line}\n`);
  const noteBeyondAscii = (c: ReturnType<typeof issueSetupCode>) => {
    if (c.beyondAscii.length)
      warn(
        `note: ${c.agent} has characters beyond ASCII (${c.beyondAscii.join(', ')}): it is another agent than an ASCII address that looks the same`,
      );
  };
  try {
    if (csv === undefined) {
      const issued = issueSetupCode(secret, publicUrl, positionals[0]!, ttlDays);
      warn(`setup code for ${issued.agent} (jti ${issued.jti}, expires ${issued.expires})`);
      noteBeyondAscii(issued);
      warn("it holds the agent's relay token: send it to that agent only, like a password");
      process.stdout.write(`${issued.code}\n`);
      return;
    }
    const team = readTeam(readTeamFile(csv));
    if (!team.ok) fail([`${csv}: nothing issued:`, ...team.errors.map((e) => `  - ${e}`)]);
    const issued = team.agents.map((agent) => issueSetupCode(secret, publicUrl, agent, ttlDays));
    const out = typeof values.out === 'string' ? values.out : undefined;
    if (out) writeCodesFile(out, teamCsv(issued));
    for (const c of issued) {
      warn(`${c.agent}: jti ${c.jti}, expires ${c.expires}`);
      noteBeyondAscii(c);
    }
    warn(
      `${issued.length} setup code${issued.length === 1 ? '' : 's'} ${out ? `written to ${out} (readable by you only)` : 'on stdout'}: each holds its agent's relay token; send each to its agent only, like a password (revoke one with: revoke --jti <jti>)`,
    );
    if (!out) process.stdout.write(teamCsv(issued));
  } catch (err) {
    fail([(err as Error).message]);
  }
}

const REVOKE_USAGE = 'usage: revoke --jti <jti>, or the token on stdin: revoke --stdin';
/** What issueRelayToken makes (16 base64url characters), with room to spare; a token is longer and has dots. */
const JTI = /^[A-Za-z0-9_-]{1,64}$/;

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function revoke(values: Values, positionals: string[]): Promise<void> {
  // A token given as an argument is already in ps and the shell's history: refuse it without echoing it.
  if (positionals.length)
    throw new UsageError(`revoke takes no arguments (a token there is kept by ps and shell history); ${REVOKE_USAGE}`);
  const given = typeof values.jti === 'string' ? values.jti : undefined;
  if ((given === undefined) === !values.stdin) throw new UsageError(REVOKE_USAGE);
  let jti: string | undefined;
  if (given !== undefined) {
    if (!JTI.test(given))
      throw new UsageError(
        '--jti takes the token id (16 letters, digits, - or _, printed by token), not the token; pipe a token to revoke --stdin',
      );
    jti = given;
  } else {
    jti = decodeRevocableToken((await readStdin()).trim())?.jti;
    if (!jti) fail(["stdin does not hold a relay token (expected an agent's sb1.… or a supervisor's sbs1.…)"]);
  }
  const loaded = loadConfigKeys(configFlags(values), process.env, ['dbPath', 'redisUrl']);
  if (!loaded.ok) fail(loaded.errors);
  const { redisUrl, dbPath } = loaded.config;
  const store = redisUrl ? await RelayRedisStore.open(redisUrl) : new SqliteEventStore(dbPath);
  await store.revokeToken(jti);
  await store.close();
  process.stderr.write(`relay: revoked jti ${jti} in ${redisUrl ? 'Redis' : dbPath}\n`);
}

async function doctor(values: Values, positionals: string[]): Promise<void> {
  if (positionals.length) throw new UsageError('doctor takes no arguments (see --help)');
  process.exitCode = await doctorCommand(configFlags(values), process.env, (line) => process.stdout.write(`${line}\n`));
}

async function backup(values: Values, positionals: string[]): Promise<void> {
  if (positionals.length !== 1) throw new UsageError('usage: backup <file> (a new file: backup never writes over one)');
  const loaded = loadConfigKeys(configFlags(values), process.env, ['dbPath', 'redisUrl']);
  if (!loaded.ok) fail(loaded.errors);
  process.exitCode = await backupCommand(positionals[0]!, loaded.config, (line) => process.stderr.write(`relay: ${line}\n`));
}

// A new command is one entry here (and a line in USAGE). Options share one namespace across
// commands (the command may come after its options), so a name must mean the same everywhere.
const COMMANDS: Record<string, Command> = {
  serve: { options: {}, run: serve },
  token: {
    options: {
      days: { type: 'string' },
      'no-expiry': { type: 'boolean' },
      'setup-code': { type: 'boolean' },
      csv: { type: 'string' },
      out: { type: 'string' },
      role: { type: 'string' },
    },
    run: token,
  },
  revoke: { options: { jti: { type: 'string' }, stdin: { type: 'boolean' } }, run: revoke },
  doctor: { options: {}, run: doctor },
  backup: { options: {}, run: backup },
};

const CONFIG_OPTIONS: Options = Object.fromEntries(CONFIG_DOCS.flatMap((d) => (d.flag ? [[d.flag.slice(2), { type: 'string' }]] : [])));
const ALL_OPTIONS: Options = Object.assign(
  { help: { type: 'boolean', short: 'h' } },
  CONFIG_OPTIONS,
  ...Object.values(COMMANDS).map((c) => c.options),
);

/** parseArgs' errors, in this CLI's words: what is wrong and with which option. */
function usageMessage(err: unknown): string {
  const e = err as { code?: string; message?: string };
  const quoted = /'([^'\s]+)/.exec(e.message ?? '')?.[1];
  switch (e.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return secretFlagRefusal(quoted ?? '') ?? `unknown option ${quoted} (see --help)`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return ALL_OPTIONS[quoted?.replace(/^--/, '') ?? '']?.type === 'boolean' ? `${quoted} takes no value` : `${quoted} needs a value`;
    default:
      return e.message ?? String(err);
  }
}

async function main(argv: string[]): Promise<void> {
  // quarantine parses its own options (--id repeats, --all); never a secret: those come from the environment.
  if (argv[0] === 'quarantine') {
    process.exitCode = await quarantineCommand(argv.slice(1));
    return;
  }
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
  // Named back only when it looks like a command word: a pasted token must not reach the terminal's scrollback.
  if (!command)
    throw new UsageError(/^[a-z-]{1,20}$/.test(name) ? `unknown command "${name}" (see --help)` : 'unknown command (see --help)');
  for (const option of Object.keys(values)) {
    if (!Object.hasOwn(CONFIG_OPTIONS, option) && !Object.hasOwn(command.options, option))
      throw new UsageError(`--${option} is not an option of ${name} (see --help)`);
  }
  await command.run(values, positionals);
}

main(process.argv.slice(2)).catch((err: unknown) => fail([(err as Error).message], err instanceof UsageError ? 2 : 1));
