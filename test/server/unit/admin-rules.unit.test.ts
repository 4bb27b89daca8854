/**
 * The checks the admin services share (admin-rules.ts), on the in-memory repositories: an owner must
 * exist, only the fields a request sets are copied (and named for the audit), a delete and its audit entry
 * happen together or not at all, and a record the call history refers to is not deleted.
 */
import { describe, expect, it } from 'vitest';
import {
  adminAudit,
  copySetFields,
  deleteAudited,
  refuseDeleteWithHistory,
  requireOwner,
} from '../../../src/server/services/admin-rules.js';
import { ConflictError, ErrorCode, NotFoundError } from '../../../src/shared/errors.js';
import { aTrunk, aUser, emptyStore, failure, fakeRepositories, fakeUnitOfWork } from './fake-repositories.js';

describe('admin rules', () => {
  it('accepts an owner who exists and names the field when one does not', async () => {
    const store = emptyStore();
    const owner = aUser();
    store.users.push(owner);
    const repos = fakeRepositories(store);
    await expect(requireOwner(repos.users, owner.id)).resolves.toBeUndefined();
    const err = await failure(requireOwner(repos.users, 'nobody'));
    expect(err.code).toBe(ErrorCode.ValidationFailed);
    expect(err.message).toBe('ownerId: no user with this id exists.');
    expect(err.details).toEqual({ field: 'ownerId' });
  });

  it('copies only the fields a request sets (null included) and names them in order', () => {
    const patch: Record<string, unknown> = { kept: 1 };
    const changed: string[] = [];
    copySetFields(
      { name: 'Main', region: null, capacity: undefined, ignored: 'x' },
      { name: 'name', region: 'region_col', capacity: 'max_channels' },
      patch,
      changed,
    );
    expect(patch).toStrictEqual({ kept: 1, name: 'Main', region_col: null });
    expect(changed).toEqual(['name', 'region']);
  });

  it('deletes a row with its audit entry, keeping what the entry picks of the row', async () => {
    const store = emptyStore();
    const owner = aUser();
    const trunk = aTrunk(owner.id, { name: 'Old trunk' });
    store.users.push(owner);
    store.trunks.push(trunk);
    const repos = fakeRepositories(store);
    await deleteAudited(fakeUnitOfWork(store, repos), trunk.id, 'Trunk', (r) => r.trunks, {
      actorId: owner.id,
      action: 'trunk.delete',
      entityType: 'trunk',
      details: (row) => ({ name: row.name }),
    });
    expect(store.trunks).toEqual([]);
    expect(store.audit).toEqual([
      {
        actorId: owner.id,
        action: 'trunk.delete',
        entityType: 'trunk',
        entityId: trunk.id,
        details: { name: 'Old trunk' },
      },
    ]);
  });

  it('answers 404 naming what is gone, and writes nothing when the guard refuses', async () => {
    const store = emptyStore();
    const owner = aUser();
    const trunk = aTrunk(owner.id);
    store.users.push(owner);
    store.trunks.push(trunk);
    const repos = fakeRepositories(store);
    const entry = {
      actorId: null,
      action: 'trunk.delete',
      entityType: 'trunk' as const,
      details: () => ({}),
    };
    const gone = await failure(
      deleteAudited(fakeUnitOfWork(store, repos), 'missing', 'Trunk', (r) => r.trunks, entry),
    );
    expect(gone).toBeInstanceOf(NotFoundError);
    expect(gone.message).toBe('Trunk was not found');
    const refused = await failure(
      deleteAudited(
        fakeUnitOfWork(store, repos),
        trunk.id,
        'Trunk',
        (r) => r.trunks,
        entry,
        () => Promise.reject(new ConflictError('not now')),
      ),
    );
    expect(refused.message).toBe('not now');
    expect(store.trunks).toHaveLength(1);
    expect(store.audit).toEqual([]);
  });

  it('names an admin write in the audit as <entity>.<verb>', () => {
    expect(adminAudit('admin-1', 'phone_number', 'update', 'n1', { fields: ['city'] })).toEqual({
      actorId: 'admin-1',
      action: 'phone_number.update',
      entityType: 'phone_number',
      entityId: 'n1',
      details: { fields: ['city'] },
    });
  });

  it('refuses to delete what the call history refers to, saying how many calls and what to do', async () => {
    const counts: Record<string, number> = { none: 0, one: 1, many: 3 };
    const repos = {
      calls: {
        countReferencing: (column: string, id: string) =>
          Promise.resolve(column === 'trunk_id' ? (counts[id] ?? 0) : -1),
      },
    } as unknown as Parameters<typeof refuseDeleteWithHistory>[0];
    await expect(
      refuseDeleteWithHistory(repos, 'trunk_id', 'none', 'Trunk "A"', 'deactivate it instead'),
    ).resolves.toBeUndefined();
    const one = await failure(
      refuseDeleteWithHistory(repos, 'trunk_id', 'one', 'Trunk "A"', 'deactivate it instead'),
    );
    expect(one.code).toBe(ErrorCode.Conflict);
    expect(one.message).toBe(
      'Trunk "A" has 1 call in the call history, which must keep it, so it cannot be deleted; deactivate it instead.',
    );
    expect(one.details).toEqual({ calls: 1 });
    const many = await failure(
      refuseDeleteWithHistory(repos, 'trunk_id', 'many', 'Trunk "A"', 'deactivate it instead'),
    );
    expect(many.message).toContain('has 3 calls in the call history');
  });
});
