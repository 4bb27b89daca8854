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

interface RequestLogFields {
  reqId?: unknown;
  req?: { method?: unknown; url?: unknown };
  res?: { statusCode?: unknown };
  responseTime?: unknown;
}

/**
 * On a terminal, Fastify's request logs as one short line each ("GET /api/health (req-2)", "200 in 23 ms
 * (req-2)") instead of a dozen lines of request fields per request; other lines keep their message and
 * print their extra fields (an error's stack) below it.
 */
export function prettyMessage(log: Record<string, unknown>, messageKey: string): string {
  const { reqId, req, res, responseTime } = log as RequestLogFields;
  const id = typeof reqId === 'string' ? ` (${reqId})` : '';
  if (req && typeof req.method === 'string') return `${req.method} ${String(req.url)}${id}`;
  if (res && typeof res.statusCode === 'number') {
    return `${res.statusCode} in ${Math.round(Number(responseTime))} ms${id}`;
  }
  const message = log[messageKey];
  return typeof message === 'string' ? message : '';
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
        ignore: 'pid,hostname,reqId,req,res,responseTime',
        messageFormat: prettyMessage,
      })
    : stream;
  return {
    level: config.logLevel,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    ...(destination ? { stream: destination } : {}),
  };
}
