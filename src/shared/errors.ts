/**
 * Stable error codes shared by server and browser. The server maps each code to one HTTP status
 * (see `httpStatusFor`), and every error body has the shape {@link ApiErrorBody}.
 */
export const ErrorCode = {
  ValidationFailed: 'VALIDATION_FAILED',
  Unauthenticated: 'UNAUTHENTICATED',
  SessionExpired: 'SESSION_EXPIRED',
  InvalidCredentials: 'INVALID_CREDENTIALS',
  Forbidden: 'FORBIDDEN',
  CsrfInvalid: 'CSRF_INVALID',
  NotFound: 'NOT_FOUND',
  Conflict: 'CONFLICT',
  PayloadTooLarge: 'PAYLOAD_TOO_LARGE',
  UriTooLong: 'URI_TOO_LONG',
  UnsupportedMediaType: 'UNSUPPORTED_MEDIA_TYPE',
  HeadersTooLarge: 'HEADERS_TOO_LARGE',
  RequestTimeout: 'REQUEST_TIMEOUT',
  RateLimited: 'RATE_LIMITED',
  NoCredentials: 'NO_CREDENTIALS',
  CallerIdNotAssigned: 'CALLER_ID_NOT_ASSIGNED',
  /** A call record opened with a call approval this server did not give for this user, connection and caller ID, or one that expired. */
  CallApprovalInvalid: 'CALL_APPROVAL_INVALID',
  /** An emergency number dialled on a connection the admin has not allowed to place emergency calls. */
  EmergencyNotAllowed: 'EMERGENCY_NOT_ALLOWED',
  TelnyxNotConfigured: 'TELNYX_NOT_CONFIGURED',
  TelnyxUnavailable: 'TELNYX_UNAVAILABLE',
  TelnyxError: 'TELNYX_ERROR',
  /** The server cannot answer right now (its database is unreachable or overloaded); try again shortly. */
  ServiceUnavailable: 'SERVICE_UNAVAILABLE',
  Internal: 'INTERNAL',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const STATUS: Record<ErrorCode, number> = {
  VALIDATION_FAILED: 400,
  UNAUTHENTICATED: 401,
  SESSION_EXPIRED: 401,
  INVALID_CREDENTIALS: 401,
  FORBIDDEN: 403,
  CSRF_INVALID: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  URI_TOO_LONG: 414,
  UNSUPPORTED_MEDIA_TYPE: 415,
  HEADERS_TOO_LARGE: 431,
  REQUEST_TIMEOUT: 408,
  RATE_LIMITED: 429,
  NO_CREDENTIALS: 409,
  CALLER_ID_NOT_ASSIGNED: 422,
  CALL_APPROVAL_INVALID: 403,
  EMERGENCY_NOT_ALLOWED: 422,
  TELNYX_NOT_CONFIGURED: 503,
  TELNYX_UNAVAILABLE: 502,
  TELNYX_ERROR: 502,
  SERVICE_UNAVAILABLE: 503,
  INTERNAL: 500,
};

export function httpStatusFor(code: ErrorCode): number {
  return STATUS[code];
}

/**
 * What everyone but an admin is told for errors whose message is written for the operator (env var
 * names, upstream status codes, hosts): plain words and whom to ask. Admins and the log get the full
 * message; the server's error handler picks by the reader's role.
 */
export const AGENT_MESSAGES: Partial<Record<ErrorCode, string>> = {
  TELNYX_NOT_CONFIGURED:
    'Telnyx is not set up on this server yet. Ask your admin to connect the team’s Telnyx account.',
  TELNYX_UNAVAILABLE:
    'Telnyx is not answering right now. Try again in a moment; if it keeps happening, tell your admin.',
  TELNYX_ERROR: 'Telnyx refused the request. Ask your admin to check the Telnyx settings.',
};

/** Body of every error response: `{ error: { code, message, details? } }`. */
export interface ApiErrorBody {
  error: { code: ErrorCode; message: string; details?: unknown };
}

/** A domain error: thrown by services, mapped to HTTP by the server's single error handler. */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export class ValidationError extends DomainError {
  constructor(message: string, details?: unknown) {
    super(ErrorCode.ValidationFailed, message, details);
  }
}
export class NotFoundError extends DomainError {
  constructor(what: string) {
    super(ErrorCode.NotFound, `${what} was not found`);
  }
}
export class ConflictError extends DomainError {
  constructor(message: string, details?: unknown) {
    super(ErrorCode.Conflict, message, details);
  }
}
export class ForbiddenError extends DomainError {
  constructor(message = 'You do not have permission to do this') {
    super(ErrorCode.Forbidden, message);
  }
}
export class UnauthenticatedError extends DomainError {
  constructor(message = 'Please log in', code: ErrorCode = ErrorCode.Unauthenticated) {
    super(code, message);
  }
}
