// npm run sandbox -- <serve|fire|scenario|help> …   (exit codes: 0 ok, 1 delivery failed, 2 usage)
// Each command is a module of sandbox/commands/, with its part of the help.
import { UsageError } from './commands/args';
import { FIRE_HELP, fire } from './commands/fire';
import { SCENARIO_HELP, scenario } from './commands/scenario';
import { SERVE_HELP, serve } from './commands/serve';

const HELP = `SnapEngage sandbox — a local stand-in for SnapEngage's Agent Status API and webhooks.

Usage: npm run sandbox -- <command> [options]

Commands:
${SERVE_HELP}
${FIRE_HELP}
${SCENARIO_HELP}
  help              This text (also --help).

Examples:
  npm run sandbox -- serve --webhook-url http://127.0.0.1:8787
  npm run sandbox -- fire assigned --agent alice@example.com --visitor Sam --question "Where is my order?"
  npm run sandbox -- fire status --agent alice@example.com --status pause --substatus Meeting
  npm run sandbox -- fire closed --agent alice@example.com --conversation c-1 --spelling snake,seconds --twice
`;

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
