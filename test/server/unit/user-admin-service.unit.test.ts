/**
 * Admin management of users (UserAdminService) on the in-memory repositories: passwords are hashed and
 * never audited, emails are unique whatever their case, the team keeps one active administrator, an admin
 * cannot lock themselves out, a new password or a deactivation ends the user's sessions, and a user who
 * owns trunks or appears in the call history is not deleted.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { PasswordHasher } from '../../../src/server/repositories/password-hasher.js';
import { UserAdminService } from '../../../src/server/services/user-admin-service.js';
import { ErrorCode } from '../../../src/shared/errors.js';
import { adminFakes, emptyAdminStore, extend, type AdminStore } from './fake-admin-repositories.js';
import { aTrunk, aUser, failure, fakeUnitOfWork } from './fake-repositories.js';

const hasher: PasswordHasher = {
  hash: (p) => Promise.resolve(`hash(${p})`),
  verify: (h, p) => Promise.resolve(h === `hash(${p})`),
  needsRehash: () => false,
};

function aSession(userId: string, id = `s-${userId}`) {
  return {
    id,
    user_id: userId,
    csrf_token: 'csrf',
    created_at: '2026-12-01T00:00:00.000Z',
    expires_at: '2026-12-09T00:00:00.000Z',
    last_seen_at: '2026-12-01T00:00:00.000Z',
    ip: null,
    user_agent: null,
  };
}

describe('UserAdminService', () => {
  let store: AdminStore;
  let service: UserAdminService;
  let admin: ReturnType<typeof aUser>;
  let other: ReturnType<typeof aUser>;
  let agent: ReturnType<typeof aUser>;

  beforeEach(() => {
    admin = aUser({ id: 'admin-1', email: 'boss@example.test', role: 'admin' });
    other = aUser({ id: 'admin-2', email: 'deputy@example.test', role: 'admin' });
    agent = aUser({ id: 'agent-1', email: 'ana@example.test', name: 'Ana', default_country: 'US' });
    store = emptyAdminStore();
    store.users.push(admin, other, agent);
    store.sessions.push(aSession(agent.id), aSession(admin.id));
    const { repos, transaction } = adminFakes(store);
    service = new UserAdminService(repos, transaction, hasher, 'GB');
  });

  const row = (id: string) => store.users.find((u) => u.id === id)!;

  describe('create', () => {
    it('stores the user with a hashed password and audits who, role and status (never the password)', async () => {
      const dto = await service.create(
        {
          email: ' New@Example.test ',
          name: 'Nia',
          password: 'long-password',
          role: 'admin',
          status: 'inactive',
          defaultCountry: 'FR',
        },
        admin.id,
      );
      const created = store.users[3]!;
      expect(created).toMatchObject({
        email: 'new@example.test',
        name: 'Nia',
        password_hash: 'hash(long-password)',
        role: 'admin',
        status: 'inactive',
        default_country: 'FR',
      });
      expect(store.audit).toStrictEqual([
        {
          actorId: admin.id,
          action: 'user.create',
          entityType: 'user',
          entityId: created.id,
          details: { email: 'new@example.test', role: 'admin', status: 'inactive' },
        },
      ]);
      expect(dto).toStrictEqual({
        id: created.id,
        email: 'new@example.test',
        name: 'Nia',
        role: 'admin',
        status: 'inactive',
        defaultCountry: 'FR',
        createdAt: created.created_at,
        lastLoginAt: null,
      });
    });

    it('makes an active agent in the configured country by default', async () => {
      await service.create({ email: 'x@example.test', name: 'X', password: 'long-password' }, null);
      expect(store.users[3]).toMatchObject({ role: 'agent', status: 'active', default_country: 'GB' });
      expect(store.audit[0]).toMatchObject({ actorId: null, details: { role: 'agent', status: 'active' } });
    });

    it('refuses an email that exists in any case, and an unknown country', async () => {
      let err = await failure(
        service.create({ email: 'ANA@example.test', name: 'A', password: 'long-password' }, admin.id),
      );
      expect(err.code).toBe(ErrorCode.Conflict);
      expect(err.message).toBe('A user with this email already exists.');
      err = await failure(
        service.create(
          { email: 'z@example.test', name: 'Z', password: 'long-password', defaultCountry: 'XX' },
          admin.id,
        ),
      );
      expect(err.code).toBe(ErrorCode.ValidationFailed);
      expect(err.message).toBe('defaultCountry: "XX" is not a known ISO 3166 country code such as US or GB.');
      expect(err.details).toEqual({ field: 'defaultCountry' });
      expect(store.users).toHaveLength(3);
      expect(store.audit).toEqual([]);
    });

    it('refuses a configured default country that is not one', async () => {
      const { repos, transaction } = adminFakes(store);
      const bad = new UserAdminService(repos, transaction, hasher, 'ZZ');
      const err = await failure(
        bad.create({ email: 'z@example.test', name: 'Z', password: 'long-password' }, null),
      );
      expect(err.details).toEqual({ field: 'defaultCountry' });
    });
  });

  describe('update', () => {
    it('changes each field, names it in the audit, and ends the sessions for a new password', async () => {
      const dto = await service.update(
        agent.id,
        {
          email: ' Ana.New@Example.test ',
          name: 'Ana B',
          role: 'admin',
          status: 'active',
          defaultCountry: 'DE',
          password: 'another-password',
        },
        admin.id,
      );
      expect(row(agent.id)).toMatchObject({
        email: 'ana.new@example.test',
        name: 'Ana B',
        role: 'admin',
        status: 'active',
        default_country: 'DE',
        password_hash: 'hash(another-password)',
      });
      expect(store.sessions.map((s) => s.user_id)).toEqual([admin.id]);
      expect(store.audit).toStrictEqual([
        {
          actorId: admin.id,
          action: 'user.update',
          entityType: 'user',
          entityId: agent.id,
          details: {
            email: 'ana.new@example.test',
            changed: ['email', 'name', 'role', 'status', 'defaultCountry', 'password'],
          },
        },
      ]);
      expect(dto).toMatchObject({ email: 'ana.new@example.test', role: 'admin', defaultCountry: 'DE' });
      expect(JSON.stringify(store.audit)).not.toContain('another-password');
    });

    it('keeps the sessions for a change that is neither a password nor a deactivation', async () => {
      await service.update(agent.id, { name: 'Ana C', status: 'active' }, admin.id);
      expect(store.sessions).toHaveLength(2);
    });

    it('ends the sessions of a deactivated user', async () => {
      await service.update(agent.id, { status: 'inactive' }, admin.id);
      expect(row(agent.id).status).toBe('inactive');
      expect(store.sessions.map((s) => s.user_id)).toEqual([admin.id]);
    });

    it('treats the same email in another case as no change, and writes nothing for no change', async () => {
      const before = { ...row(agent.id) };
      const dto = await service.update(agent.id, { email: 'ANA@example.test' }, admin.id);
      expect(row(agent.id)).toStrictEqual(before);
      expect(store.audit).toEqual([]);
      expect(dto.email).toBe('ana@example.test');
      await service.update(agent.id, {}, admin.id);
      expect(store.audit).toEqual([]);
    });

    it('refuses an email another user holds', async () => {
      const err = await failure(service.update(agent.id, { email: 'Boss@example.test' }, admin.id));
      expect(err.code).toBe(ErrorCode.Conflict);
      expect(err.message).toBe('A user with this email already exists.');
      expect(row(agent.id).email).toBe('ana@example.test');
    });

    it('answers 404 for an unknown user, and for one deleted while the update was written', async () => {
      expect((await failure(service.update('ghost', { name: 'G' }, admin.id))).message).toBe(
        'User was not found',
      );
      const { repos } = adminFakes(store);
      const racing = { ...repos, users: extend(repos.users, { update: () => Promise.resolve(undefined) }) };
      const raced = new UserAdminService(racing, fakeUnitOfWork(store, racing), hasher, 'GB');
      const err = await failure(raced.update(agent.id, { name: 'G', password: 'long-password' }, admin.id));
      expect(err.code).toBe(ErrorCode.NotFound);
      expect(err.message).toBe('User was not found');
      expect(store.sessions).toHaveLength(2);
      expect(store.audit).toEqual([]);
    });

    it('refuses an unknown country', async () => {
      const err = await failure(service.update(agent.id, { defaultCountry: 'QQ' }, admin.id));
      expect(err.details).toEqual({ field: 'defaultCountry' });
    });

    it('does not let an admin demote or deactivate themselves', async () => {
      let err = await failure(service.update(admin.id, { role: 'agent' }, admin.id));
      expect(err.code).toBe(ErrorCode.Conflict);
      expect(err.message).toBe('You cannot remove your own administrator role; ask another administrator.');
      err = await failure(service.update(admin.id, { status: 'inactive' }, admin.id));
      expect(err.message).toBe('You cannot deactivate your own account; ask another administrator.');
      expect(row(admin.id)).toMatchObject({ role: 'admin', status: 'active' });
      await service.update(admin.id, { role: 'admin', status: 'active', name: 'Me' }, admin.id);
      expect(row(admin.id).name).toBe('Me');
    });

    it('lets another admin demote an admin while one active admin is left, and not the last one', async () => {
      await service.update(other.id, { role: 'agent' }, admin.id);
      expect(row(other.id).role).toBe('agent');
      const err = await failure(service.update(admin.id, { status: 'inactive' }, other.id));
      expect(err.code).toBe(ErrorCode.Conflict);
      expect(err.message).toBe(
        'boss@example.test is the last active administrator; you cannot demote or deactivate them. Make another user an active administrator first.',
      );
      expect((await failure(service.update(admin.id, { role: 'agent' }, null))).code).toBe(
        ErrorCode.Conflict,
      );
      expect(row(admin.id)).toMatchObject({ role: 'admin', status: 'active' });
    });

    it('counts only active admins: an inactive admin can be changed, and the last active one is kept', async () => {
      row(other.id).status = 'inactive';
      await service.update(other.id, { role: 'agent' }, admin.id);
      expect(row(other.id).role).toBe('agent');
      expect((await failure(service.update(admin.id, { role: 'agent' }, null))).code).toBe(
        ErrorCode.Conflict,
      );
    });

    it('does not count admins for a change that keeps the role and the account', async () => {
      row(other.id).status = 'inactive';
      await service.update(admin.id, { role: 'admin', status: 'active', name: 'Still me' }, null);
      expect(row(admin.id).name).toBe('Still me');
    });
    it('lets an admin change their own name without touching role or status', async () => {
      await service.update(admin.id, { name: 'Just me' }, admin.id);
      expect(row(admin.id)).toMatchObject({ name: 'Just me', role: 'admin', status: 'active' });
    });

    it('lets the last active admin be renamed, and keeps the sessions for a rename', async () => {
      row(other.id).status = 'inactive';
      await service.update(admin.id, { name: 'Last one' }, null);
      expect(row(admin.id).name).toBe('Last one');
      await service.update(agent.id, { name: 'Ana D' }, admin.id);
      expect(store.sessions).toHaveLength(2);
    });

    it('counts admins only when an active admin loses the role or the account', async () => {
      // No active administrator at all (a state only the database can hold): agents and inactive admins
      // can still be changed and deleted.
      row(admin.id).status = 'inactive';
      row(other.id).status = 'inactive';
      await service.update(agent.id, { status: 'inactive' }, null);
      await service.update(other.id, { role: 'agent' }, null);
      await service.delete(agent.id, null);
      await service.delete(admin.id, null);
      expect(store.users.map((u) => u.id)).toEqual([other.id]);
    });

    it('treats the same email with spaces around it as no change', async () => {
      await service.update(agent.id, { email: ' ana@example.test ' }, admin.id);
      expect(store.audit).toEqual([]);
    });

    it('answers 404 for an unknown user even when nothing would change', async () => {
      const err = await failure(service.update('ghost', {}, admin.id));
      expect(err.code).toBe(ErrorCode.NotFound);
      expect(err.message).toBe('User was not found');
    });
  });

  describe('delete', () => {
    it('deletes a user with an audit entry naming the email', async () => {
      await service.delete(agent.id, admin.id);
      expect(store.users.map((u) => u.id)).toEqual([admin.id, other.id]);
      expect(store.audit).toStrictEqual([
        {
          actorId: admin.id,
          action: 'user.delete',
          entityType: 'user',
          entityId: agent.id,
          details: { email: 'ana@example.test' },
        },
      ]);
    });

    it('refuses to delete oneself, an unknown user and the last active admin', async () => {
      let err = await failure(service.delete(admin.id, admin.id));
      expect(err.code).toBe(ErrorCode.Conflict);
      expect(err.message).toBe('You cannot delete your own account; ask another administrator.');
      expect((await failure(service.delete('ghost', admin.id))).message).toBe('User was not found');
      await service.delete(other.id, admin.id);
      err = await failure(service.delete(admin.id, null));
      expect(err.message).toBe(
        'boss@example.test is the last active administrator; you cannot delete them. Make another user an active administrator first.',
      );
      expect(store.users.map((u) => u.id)).toEqual([admin.id, agent.id]);
    });

    it('refuses a user who still owns trunks, counting them', async () => {
      store.trunks.push(aTrunk(agent.id));
      let err = await failure(service.delete(agent.id, admin.id));
      expect(err.code).toBe(ErrorCode.Conflict);
      expect(err.message).toBe(
        'ana@example.test still owns 1 trunk; move them to another user or delete them first.',
      );
      store.trunks.push(aTrunk(agent.id));
      err = await failure(service.delete(agent.id, admin.id));
      expect(err.message).toBe(
        'ana@example.test still owns 2 trunks; move them to another user or delete them first.',
      );
      expect(store.users).toHaveLength(3);
      expect(store.audit).toEqual([]);
    });

    it('refuses a user the call history refers to, saying to deactivate them instead', async () => {
      store.calls.push({ user_id: agent.id } as never);
      const err = await failure(service.delete(agent.id, admin.id));
      expect(err.message).toBe(
        'ana@example.test has 1 call in the call history, which must keep it, so it cannot be deleted; deactivate the account instead (status inactive: they can no longer sign in).',
      );
      expect(store.users).toHaveLength(3);
    });
  });

  describe('resetPassword', () => {
    it('stores the new hash, ends the sessions and audits without the password', async () => {
      await service.resetPassword(agent.id, 'fresh-password', admin.id);
      expect(row(agent.id).password_hash).toBe('hash(fresh-password)');
      expect(store.sessions.map((s) => s.user_id)).toEqual([admin.id]);
      expect(store.audit).toStrictEqual([
        {
          actorId: admin.id,
          action: 'user.password_reset',
          entityType: 'user',
          entityId: agent.id,
          details: { email: 'ana@example.test', sessionsEnded: true },
        },
      ]);
    });

    it('answers 404 for an unknown user', async () => {
      const err = await failure(service.resetPassword('ghost', 'fresh-password', admin.id));
      expect(err.message).toBe('User was not found');
      expect(store.audit).toEqual([]);
    });
  });

  it('gets one user, or a 404 naming a user', async () => {
    expect(await service.get(agent.id)).toMatchObject({ id: agent.id, email: 'ana@example.test' });
    expect((await failure(service.get('ghost'))).message).toBe('User was not found');
  });
});
