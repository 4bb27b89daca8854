/**
 * The one place where errors become HTTP answers: domain errors keep their code and message,
 * validation and body-parsing errors become 400/413 with a readable message, anything else is a 500
 * with a generic message (the stack goes to the log, never to the user).
 */
import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { DomainError, ErrorCode, httpStatusFor, type ApiErrorBody } from '../../shared/errors.js';

function body(code: ErrorCode, message: string, details?: unknown): ApiErrorBody {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}

export function registerErrorHandler(app: FastifyInstance, options: { spaFallback?: boolean } = {}): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (err instanceof DomainError) {
      return reply.status(httpStatusFor(err.code)).send(body(err.code, err.message, err.details));
    }
    if (hasZodFastifySchemaValidationErrors(err)) {
      const details = err.validation.map((v) => ({
        field: v.instancePath.replace(/^\//, '').replace(/\//g, '.') || err.validationContext || 'body',
        message: v.message ?? 'is invalid',
      }));
      const first = details[0];
      const message = first ? `${first.field}: ${first.message}` : 'The request is invalid';
      return reply.status(400).send(body(ErrorCode.ValidationFailed, message, details));
    }
    const status = err.statusCode ?? 500;
    if (status === 413 || err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return reply.status(413).send(body(ErrorCode.PayloadTooLarge, 'The request body is too large'));
    }
    if (status === 429) {
      return reply
        .status(429)
        .send(body(ErrorCode.RateLimited, 'Too many attempts. Please wait a minute and try again.'));
    }
    if (status >= 400 && status < 500) {
      // Fastify's own client errors (malformed JSON, wrong content type, empty body...).
      const message =
        err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || err instanceof SyntaxError
          ? 'The request body is not valid JSON'
          : err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
            ? 'Send the request body as application/json'
            : err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY'
              ? 'The request body is empty; send a JSON object'
              : err.message;
      return reply.status(status).send(body(ErrorCode.ValidationFailed, message));
    }
    request.log.error({ err }, 'unhandled error');
    return reply
      .status(500)
      .send(body(ErrorCode.Internal, 'Something went wrong on the server. Please try again.'));
  });

  app.setNotFoundHandler((request, reply) => {
    // Client-side routes of the web app (e.g. /history) get index.html; unknown API paths a 404 body.
    if (options.spaFallback && request.method === 'GET' && !request.url.startsWith('/api/')) {
      return reply.type('text/html').sendFile('index.html');
    }
    return reply
      .status(404)
      .send(body(ErrorCode.NotFound, `No route for ${request.method} ${request.url.split('?')[0]}`));
  });
}
