/** Checks the admin services share. */
import { ConflictError, NotFoundError, ValidationError } from '../../shared/errors.js';
import type { AuditEntry } from '../repositories/audit-repository.js';
import type { Repositories, UnitOfWork } from '../repositories/index.js';

/** Who made the change (null: the system or the CLI without a user). */
export type ActorId = string | null;

/** A 400 naming `ownerId` unless the user exists. */
export async function requireOwner(
  users: Pick<Repositories['users'], 'findById'>,
  ownerId: string,
): Promise<void> {
  if (!(await users.findById(ownerId))) {
    throw new ValidationError('ownerId: no user with this id exists.', { field: 'ownerId' });
  }
}

/**
 * Copies each field of `input` that is set into `patch` under its column (`columns`: field -> column),
 * and names it in `changed` (for the audit entry).
 */
export function copySetFields<I extends object, C extends string>(
  input: I,
  columns: Partial<Record<keyof I, C>>,
  patch: Partial<Record<C, unknown>>,
  changed: string[],
): void {
  for (const [field, column] of Object.entries(columns) as [keyof I & string, C][]) {
    const value = input[field];
    if (value !== undefined) {
      patch[column] = value;
      changed.push(field);
    }
  }
}

/**
 * Deletes one row and records who did it, in one transaction; a 404 naming `what` when the row is gone.
 * `details` picks what the audit entry keeps of the deleted row.
 */
export async function deleteAudited<R>(
  transaction: UnitOfWork,
  id: string,
  what: string,
  repository: (repos: Repositories) => {
    findById(id: string): Promise<R | undefined>;
    delete(id: string): Promise<boolean>;
  },
  entry: Omit<AuditEntry, 'entityId' | 'details'> & { details: (row: R) => Record<string, unknown> },
  /** Checked inside the transaction before the delete (throws a domain error to refuse it). */
  guard?: (row: R, repos: Repositories) => Promise<void>,
): Promise<void> {
  await transaction.run(async (repos) => {
    const rows = repository(repos);
    const current = await rows.findById(id);
    if (!current) throw new NotFoundError(what);
    await guard?.(current, repos);
    await rows.delete(id);
    await repos.audit.record({ ...entry, entityId: id, details: entry.details(current) });
  });
}

/** The audit entry of an admin write: action `<entityType>.<verb>` by `actorId` on one row. */
export function adminAudit(
  actorId: ActorId,
  entityType: 'user' | 'trunk' | 'phone_number' | 'assignment',
  verb: 'create' | 'update',
  entityId: string,
  details: Record<string, unknown>,
): AuditEntry {
  return { actorId, action: `${entityType}.${verb}`, entityType, entityId, details };
}

/**
 * The call history keeps who made each call, on which connection and from which number
 * (0012_history_outlives_accounts): a user, trunk or number that calls refer to is not deleted. The 409
 * says how many calls and what to do instead.
 */
export async function refuseDeleteWithHistory(
  repos: Pick<Repositories, 'calls'>,
  column: 'user_id' | 'trunk_id' | 'phone_number_id',
  id: string,
  subject: string,
  instead: string,
): Promise<void> {
  const calls = await repos.calls.countReferencing(column, id);
  if (calls === 0) return;
  throw new ConflictError(
    `${subject} has ${calls} call${calls === 1 ? '' : 's'} in the call history, which must keep it, so it cannot be deleted; ${instead}.`,
    { calls },
  );
}
