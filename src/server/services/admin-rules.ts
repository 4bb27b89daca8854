/** Checks the admin services share. */
import { ValidationError } from '../../shared/errors.js';
import type { Repositories } from '../repositories/index.js';

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
