/**
 * Reads a constraint violation out of a driver error, the same way for SQLite (better-sqlite3) and
 * PostgreSQL (pg), so repositories can turn it into a domain error. The database's own constraints are
 * the last line of defence against races between app instances; services check first to give the
 * friendliest message, and this catches whatever slips past.
 */
import { ConflictError, ValidationError } from '../../shared/errors.js';

export interface ConstraintViolation {
  kind: 'unique' | 'foreign_key' | 'not_null' | 'check';
  table: string | null;
  /** Columns of the violated unique key, when the driver tells them (empty for foreign keys on SQLite). */
  columns: string[];
}

interface DriverError {
  code?: unknown;
  message?: unknown;
  table?: unknown;
  detail?: unknown;
  column?: unknown;
}

export function constraintViolation(err: unknown): ConstraintViolation | null {
  if (typeof err !== 'object' || err === null) return null;
  const e = err as DriverError;
  const code = typeof e.code === 'string' ? e.code : '';
  const message = typeof e.message === 'string' ? e.message : '';
  if (code.startsWith('SQLITE_CONSTRAINT')) {
    // "UNIQUE constraint failed: trunk_phone_numbers.trunk_id, trunk_phone_numbers.phone_number_id"
    const list = message.split(' failed: ')[1] ?? '';
    const qualified = list ? list.split(',').map((s) => s.trim()) : [];
    const table = qualified[0]?.split('.')[0] ?? null;
    const columns = qualified.map((q) => q.split('.').pop() ?? q);
    if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY')
      return { kind: 'unique', table, columns };
    // ON DELETE RESTRICT is enforced like a trigger: SQLITE_CONSTRAINT_TRIGGER, "FOREIGN KEY constraint failed".
    if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY' || message.startsWith('FOREIGN KEY constraint failed'))
      return { kind: 'foreign_key', table: null, columns: [] };
    if (code === 'SQLITE_CONSTRAINT_NOTNULL') return { kind: 'not_null', table, columns };
    return { kind: 'check', table, columns };
  }
  const table = typeof e.table === 'string' ? e.table : null;
  // PostgreSQL: "Key (trunk_id, phone_number_id)=(…, …) already exists."
  const detail = typeof e.detail === 'string' ? e.detail : '';
  const columns =
    /^Key \(([^)]*)\)=/
      .exec(detail)?.[1]
      ?.split(',')
      .map((s) => s.trim()) ?? [];
  switch (code) {
    case '23505':
      return { kind: 'unique', table, columns };
    case '23503':
      return { kind: 'foreign_key', table, columns };
    case '23502':
      return { kind: 'not_null', table, columns: typeof e.column === 'string' ? [e.column] : [] };
    case '23514':
      return { kind: 'check', table, columns };
    default:
      return null;
  }
}

/** True when `v` is a unique violation on exactly these columns (order-insensitive). */
export function isUniqueOn(v: ConstraintViolation | null, columns: string[]): boolean {
  if (v?.kind !== 'unique' || v.columns.length !== columns.length) return false;
  return columns.every((c) => v.columns.includes(c));
}

/**
 * Rethrows a driver error as a domain error: `unique` picks the message for the violated key,
 * foreign-key violations become a 400 naming what was referenced. Anything else is rethrown as is.
 */
export function translateConstraintError(err: unknown, messages: ConstraintMessages): never {
  const v = constraintViolation(err);
  if (v?.kind === 'unique') {
    for (const [columns, message] of messages.unique ?? []) {
      if (isUniqueOn(v, columns)) throw new ConflictError(message, { columns: v.columns });
    }
    throw new ConflictError('This would duplicate an existing record.', { columns: v.columns });
  }
  if (v?.kind === 'foreign_key') {
    throw new ValidationError(messages.foreignKey ?? 'This refers to a record that does not exist.');
  }
  throw err;
}

export interface ConstraintMessages {
  unique?: [columns: string[], message: string][];
  foreignKey?: string;
}

/** Runs one write and turns a constraint violation into the domain error `messages` name. */
export async function writeOrExplain<T>(messages: ConstraintMessages, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    translateConstraintError(err, messages);
  }
}

/**
 * Runs a delete; a row that others still refer to (ON DELETE RESTRICT: the call history keeps its user,
 * trunk and number) becomes a 409 instead of a 500. Services check first and say more; this covers a call
 * recorded between their check and the delete (another instance).
 */
export async function deleteOrExplain<T>(what: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    if (constraintViolation(err)?.kind === 'foreign_key') {
      throw new ConflictError(
        `${what} is still referred to by the call history, so it cannot be deleted; deactivate it instead.`,
      );
    }
    throw err;
  }
}

/** Driver error codes that mean "the database cannot be reached or cannot answer now", not "bad query". */
const UNAVAILABLE_NODE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
]);
const UNAVAILABLE_MESSAGES = [
  'timeout exceeded when trying to connect', // pg pool: no connection within DATABASE_CONNECT_TIMEOUT_MS
  'Connection terminated', // pg: the server or the network closed the connection
  'Query read timeout', // pg query_timeout: the network went silent mid-statement
  'Client has encountered a connection error',
  'Cannot use a pool after calling end',
];

/**
 * Whether `err` says the database is unreachable, restarting, overloaded or too slow (a statement that
 * hit DATABASE_STATEMENT_TIMEOUT_MS, SQLite's lock wait) rather than that the request itself is wrong.
 * Such a request is answered 503 SERVICE_UNAVAILABLE: retrying later can succeed.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; typeof e === 'object' && e !== null && depth < 5; depth++) {
    const { code, message } = e as DriverError;
    if (typeof code === 'string') {
      if (UNAVAILABLE_NODE_CODES.has(code)) return true;
      // PostgreSQL: class 08 connection exception; 57P01-57P03 shutting down / cannot connect now;
      // 57014 statement timeout (query_canceled); 53300 too many connections; 53xxx insufficient resources.
      if (/^08/.test(code) || /^57P0[1-3]$/.test(code) || code === '57014' || /^53/.test(code)) return true;
      if (code === 'SQLITE_BUSY' || code.startsWith('SQLITE_BUSY_')) return true;
    }
    if (typeof message === 'string' && UNAVAILABLE_MESSAGES.some((m) => message.includes(m))) return true;
    // AggregateError (several addresses refused) and errors with a cause.
    const inner = e as { errors?: unknown[]; cause?: unknown };
    if (Array.isArray(inner.errors) && inner.errors.some((x) => isDatabaseUnavailable(x))) return true;
    e = inner.cause;
  }
  return false;
}
