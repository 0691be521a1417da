// JSON logs. Tokens must never reach a log line: headers are redacted by path, and code that
// logs about a token logs its agent or jti, never the token itself.
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger } from 'pino';

const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.authentication',
  'headers.authorization',
  'headers.authentication',
  'authorization',
  'authentication',
  'token',
  '*.token',
  'secret',
  '*.secret',
  'webhookToken',
  '*.webhookToken',
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  const opts = { level, base: { service: 'switchboard-relay' }, redact: { paths: REDACT_PATHS, censor: '[redacted]' } };
  return destination ? pino(opts, destination) : pino(opts);
}
