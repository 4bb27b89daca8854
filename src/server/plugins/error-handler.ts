/**
 * The one place where errors become HTTP answers, all in the shape `{ error: { code, message } }`:
 * domain errors keep their code and message; validation and body-parsing errors become 4xx with a
 * readable message; errors the router raises before any route runs (a malformed percent-encoding, an
 * over-long path segment) and errors Node's HTTP parser raises before Fastify sees a request (headers
 * too large, not HTTP) get the same shape; anything else is a 500 with a generic message (the stack goes
 * to the log, never to the user). A message never echoes more than a short, printable part of the input.
 */
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import {
  AGENT_MESSAGES,
  DomainError,
  ErrorCode,
  httpStatusFor,
  type ApiErrorBody,
} from '../../shared/errors.js';
import { isDatabaseUnavailable } from '../repositories/db-errors.js';

/** What a client is told while the database cannot answer (the cause goes to the log only). */
export const DATABASE_UNAVAILABLE_MESSAGE =
  'The service is temporarily unavailable: its database is not answering. Please try again in a moment.';

function body(code: ErrorCode, message: string, details?: unknown): ApiErrorBody {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}

const UNPRINTABLE =
  // eslint-disable-next-line no-control-regex -- control characters are what this removes
  /[\u0000-\u001f\u007f-\u009f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** A piece of user input made safe to quote in a message: printable, and at most `max` characters. */
export function quoteInput(text: string, max = 60): string {
  const printable = text.replace(UNPRINTABLE, '?');
  return printable.length > max ? `${printable.slice(0, max)}…` : printable;
}

/** The status and code of a 4xx that Fastify, a plugin or the static-file sender raised. */
function clientErrorCode(status: number): ErrorCode {
  switch (status) {
    case 401:
      return ErrorCode.Unauthenticated;
    case 403:
      return ErrorCode.Forbidden;
    case 404:
      return ErrorCode.NotFound;
    case 413:
      return ErrorCode.PayloadTooLarge;
    case 414:
      return ErrorCode.UriTooLong;
    case 415:
      return ErrorCode.UnsupportedMediaType;
    case 429:
      return ErrorCode.RateLimited;
    case 431:
      return ErrorCode.HeadersTooLarge;
    default:
      return ErrorCode.ValidationFailed;
  }
}

/** Words for the client errors Fastify raises itself (their own messages may quote the input). */
const FASTIFY_MESSAGES: Record<string, string> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'The request body is not valid JSON',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'Send the request body as application/json',
  FST_ERR_CTP_INVALID_TYPE: 'Send the request body as application/json',
  FST_ERR_CTP_EMPTY_TYPE: 'Send the request body as application/json',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'The request body is empty; send a JSON object',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'The request body does not match its Content-Length',
  FST_ERR_CTP_BODY_TOO_LARGE: 'The request body is too large',
  FST_ERR_BAD_URL: 'The address is not valid: it has a malformed percent-encoding',
  FST_ERR_MAX_PARAM_LENGTH: 'The address is too long: an id has at most 100 characters',
};

/** Client errors of Fastify and its plugins, as one of our answers. */
function clientError(err: FastifyError, status: number): { status: number; body: ApiErrorBody } {
  const code = clientErrorCode(status);
  let message = (err.code && FASTIFY_MESSAGES[err.code]) ?? undefined;
  if (!message && err instanceof SyntaxError) message = FASTIFY_MESSAGES.FST_ERR_CTP_INVALID_JSON_BODY;
  if (!message && code === ErrorCode.PayloadTooLarge) message = 'The request body is too large';
  if (!message && code === ErrorCode.RateLimited)
    message = 'Too many attempts. Please wait a minute and try again.';
  return { status, body: body(code, message ?? quoteInput(err.message, 200)) };
}

export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (err instanceof DomainError) {
      const retryAfter = (err.details as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds;
      if (err.code === ErrorCode.RateLimited && typeof retryAfter === 'number')
        void reply.header('retry-after', String(retryAfter));
      const plain = request.auth?.user.role === 'admin' ? undefined : AGENT_MESSAGES[err.code];
      if (plain !== undefined) {
        // The operator's detail (env var, upstream answer) goes to the log, not to an agent's screen.
        request.log.warn({ code: err.code, detail: err.message }, 'error answered in plain words');
        return reply.status(httpStatusFor(err.code)).send(body(err.code, plain));
      }
      return reply.status(httpStatusFor(err.code)).send(body(err.code, err.message, err.details));
    }
    if (hasZodFastifySchemaValidationErrors(err)) {
      const details = err.validation.map((v) => ({
        field: quoteInput(
          v.instancePath.replace(/^\//, '').replace(/\//g, '.') || err.validationContext || 'body',
          100,
        ),
        message: quoteInput(v.message ?? 'is invalid', 200),
      }));
      const first = details[0];
      const message = first ? `${first.field}: ${first.message}` : 'The request is invalid';
      return reply.status(400).send(body(ErrorCode.ValidationFailed, message, details.slice(0, 20)));
    }
    const status = err.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      const answer = clientError(err, status);
      return reply.status(answer.status).send(answer.body);
    }
    if (isDatabaseUnavailable(err)) {
      request.log.warn({ err: { message: err.message, code: err.code } }, 'database unavailable');
      return reply
        .status(503)
        .header('retry-after', '5')
        .send(body(ErrorCode.ServiceUnavailable, DATABASE_UNAVAILABLE_MESSAGE));
    }
    request.log.error({ err }, 'unhandled error');
    return reply
      .status(500)
      .send(body(ErrorCode.Internal, 'Something went wrong on the server. Please try again.'));
  });

  // The web app's client-side routes are answered by its own route (plugins/web-app.ts), not here.
  app.setNotFoundHandler((request, reply) => {
    const rawPath = request.url.split('?')[0] ?? '';
    return reply
      .status(404)
      .send(body(ErrorCode.NotFound, `No route for ${request.method} ${quoteInput(rawPath)}`));
  });
}

/**
 * Errors the router raises before a route is chosen (Fastify's `frameworkErrors`): a path whose
 * percent-encoding does not decode, an id longer than the router's limit. No route hook runs for them.
 */
export function frameworkErrorHandler(
  err: FastifyError,
  _request: FastifyRequest,
  reply: FastifyReply,
): void {
  const status = err.statusCode && err.statusCode < 500 ? err.statusCode : 400;
  const answer = clientError(err, status);
  void reply.status(answer.status).header('cache-control', 'no-store').send(answer.body);
}

/**
 * Node's HTTP parser refuses some requests before Fastify sees them (headers too large, not HTTP at
 * all, a request that took too long); the answer is written straight to the socket, still in our shape.
 */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, code, message] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [431, ErrorCode.HeadersTooLarge, 'The request headers are too large']
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, ErrorCode.RequestTimeout, 'The request took too long to arrive']
        : [400, ErrorCode.ValidationFailed, 'The request is not valid HTTP'];
  const text = JSON.stringify(body(code, message));
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${status === 431 ? 'Request Header Fields Too Large' : status === 408 ? 'Request Timeout' : 'Bad Request'}\r\n` +
        `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(text)}\r\n` +
        `Cache-Control: no-store\r\nConnection: close\r\n\r\n${text}`,
    );
  }
  socket.destroy(err);
}
