import type { FastifyServerOptions } from 'fastify';
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

export function createLoggerOptions(
  config: Config,
  stream?: NodeJS.WritableStream,
): FastifyServerOptions['logger'] {
  return {
    level: config.logLevel,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    ...(stream ? { stream } : {}),
  };
}
