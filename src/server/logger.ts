import type { FastifyServerOptions } from 'fastify';
import pinoPretty from 'pino-pretty';
import type { Config } from './config.js';

/**
 * Every place a secret could sit in a log line is redacted here, by path, so a new log call cannot
 * leak a SIP password or a session cookie by accident.
 */
export const REDACT_PATHS = [
  'req.headers.cookie',
  'req.headers.authorization',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.sipPassword',
  '*.sip_password_enc',
  '*.passwordHash',
  '*.password_hash',
  '*.loginToken',
  '*.login_token',
  '*.csrfToken',
  '*.apiKey',
  '*.token',
  'body.password',
  'body.sipPassword',
];

/**
 * Readable lines for a developer at a terminal; one JSON object per line everywhere else (production, a
 * pipe, a file, a log shipper), which is what log tooling parses.
 */
export function wantsPrettyLogs(
  config: Pick<Config, 'env'>,
  stdout: { isTTY?: boolean } = process.stdout,
): boolean {
  return config.env !== 'production' && stdout.isTTY === true;
}

/**
 * Fastify's logger: level, redaction of secrets, and where lines go. Without `stream`, lines go to stdout,
 * pretty-printed when {@link wantsPrettyLogs}; `pretty` forces the choice (tests). Redaction happens before
 * formatting, so it is the same in both formats.
 */
export function createLoggerOptions(
  config: Config,
  stream?: NodeJS.WritableStream,
  options: { pretty?: boolean } = {},
): FastifyServerOptions['logger'] {
  const pretty = options.pretty ?? (stream === undefined && wantsPrettyLogs(config));
  const destination = pretty
    ? pinoPretty({
        destination: stream ?? 1,
        // Synchronous on the terminal so the last lines before an exit are not lost; colours only there.
        sync: stream === undefined,
        colorize: stream === undefined,
        translateTime: 'SYS:HH:MM:ss.l',
        ignore: 'pid,hostname',
      })
    : stream;
  return {
    level: config.logLevel,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    ...(destination ? { stream: destination } : {}),
  };
}
