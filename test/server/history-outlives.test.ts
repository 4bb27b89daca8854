/**
 * History outlives accounts (issue 16): the call history keeps who made each call, on which connection and
 * from which number. Through the real admin API on both databases: a user, trunk or number that calls refer
 * to is not deleted (409 that says to deactivate instead, nothing changed), deactivating it works and the
 * history still names it; one without history is deleted with its assignments (the numbers stay); and the
 * database itself refuses the delete for any other writer (ON DELETE RESTRICT, migration 0012).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type Client, type TestApp } from '../support/app.js';
import { DATABASE_KINDS } from '../support/databases.js';
import { addNumber, addTrunk, addUser, assign, PASSWORD } from '../support/dialer-fixtures.js';

describe.each(DATABASE_KINDS)('history outlives accounts (%s)', (kind) => {
  let t: TestApp;
  let admin: Client;

  beforeAll(async () => {
    t = await startTestApp(kind, { env: { LOGIN_RATE_LIMIT: '1000' } });
    await addUser(t.services, { email: 'admin@example.com', role: 'admin' });
    admin = await t.login('admin@example.com', PASSWORD);
  });
  afterAll(() => t.close());

  /** An agent with a trunk, a number assigned to it, and `calls` calls placed through the API. */
  async function agentWithCalls(calls: number) {
    const user = await addUser(t.services);
    const trunk = await addTrunk(t.services, user.id);
    const number = await addNumber(t.services);
    await assign(t.services, trunk.id, number.id, 'primary');
    const agent = await t.login(user.email, PASSWORD);
    for (let i = 0; i < calls; i++) {
      const res = await agent.post('/api/calls', {
        connectionId: trunk.id,
        callerNumber: number.number,
        remoteNumber: '+14155550123',
        direction: 'outbound',
      });
      expect(res.status, res.text).toBe(201);
    }
    return { user, trunk, number, agent };
  }

  const historyOf = async (userId: string) =>
    t.services.db
      .selectFrom('calls')
      .select(['user_id', 'trunk_id', 'phone_number_id', 'caller_number'])
      .where('user_id', '=', userId)
      .execute();

  it('keeps a user with calls: 409 saying to deactivate, then deactivated, the history still names them', async () => {
    const { user, trunk, number, agent } = await agentWithCalls(2);
    // Their trunk moves to the admin first, so only the history stands in the way.
    const me = (await admin.get('/api/auth/me')).json.user.id as string;
    expect((await admin.patch(`/api/admin/trunks/${trunk.id}`, { ownerId: me })).status).toBe(200);

    const refused = await admin.delete(`/api/admin/users/${user.id}`);
    expect(refused.status).toBe(409);
    expect(refused.json.error.code).toBe('CONFLICT');
    expect(refused.json.error.message).toBe(
      `${user.email} has 2 calls in the call history, which must keep it, so it cannot be deleted; deactivate the account instead (status inactive: they can no longer sign in).`,
    );
    expect((await admin.get(`/api/admin/users/${user.id}`)).status).toBe(200);

    const deactivated = await admin.patch(`/api/admin/users/${user.id}`, { status: 'inactive' });
    expect(deactivated.status, deactivated.text).toBe(200);
    expect((await agent.get('/api/auth/me')).status).toBe(401);
    const history = await historyOf(user.id);
    expect(history).toHaveLength(2);
    expect(history.every((c) => c.trunk_id === trunk.id && c.phone_number_id === number.id)).toBe(true);
  });

  it('deletes a user without calls or trunks', async () => {
    const user = await addUser(t.services);
    expect((await admin.delete(`/api/admin/users/${user.id}`)).status).toBe(204);
    expect((await admin.get(`/api/admin/users/${user.id}`)).status).toBe(404);
  });

  it('keeps a trunk and a number that calls used: 409 saying what to do instead, nothing deleted', async () => {
    const { user, trunk, number } = await agentWithCalls(1);

    const trunkRefused = await admin.delete(`/api/admin/trunks/${trunk.id}`);
    expect(trunkRefused.status).toBe(409);
    expect(trunkRefused.json.error.message).toBe(
      `The connection “${trunk.name}” has 1 call in the call history, which must keep it, so it cannot be deleted; set its status to inactive instead (agents no longer see it, its calls keep it).`,
    );
    const numberRefused = await admin.delete(`/api/admin/numbers/${number.id}`);
    expect(numberRefused.status).toBe(409);
    expect(numberRefused.json.error.message).toBe(
      `${number.number} has 1 call in the call history, which must keep it, so it cannot be deleted; set its status to released or inactive instead.`,
    );
    // Nothing went: the trunk, the number, their assignment and the history.
    expect((await admin.get(`/api/admin/trunks/${trunk.id}`)).status).toBe(200);
    expect((await admin.get(`/api/admin/numbers/${number.id}`)).json.activeAssignment.trunkId).toBe(trunk.id);
    expect(await historyOf(user.id)).toEqual([
      { user_id: user.id, trunk_id: trunk.id, phone_number_id: number.id, caller_number: number.number },
    ]);
    const audit = await admin.get(`/api/admin/audit?entityId=${trunk.id}`);
    expect(audit.json.items.map((e: { action: string }) => e.action)).not.toContain('trunk.delete');

    // Deactivating instead: the agent no longer sees the connection; the history keeps it.
    expect((await admin.patch(`/api/admin/trunks/${trunk.id}`, { status: 'inactive' })).status).toBe(200);
    const agent = await t.login(user.email, PASSWORD);
    expect((await agent.get('/api/connections')).json.count).toBe(0);
    expect((await historyOf(user.id))[0]!.trunk_id).toBe(trunk.id);
  });

  it('deletes a trunk with assignments but no history: its assignments go, the numbers stay, audited', async () => {
    const owner = await addUser(t.services);
    const trunk = await addTrunk(t.services, owner.id, { name: 'Unused Trunk' });
    const n1 = await addNumber(t.services);
    const n2 = await addNumber(t.services);
    await assign(t.services, trunk.id, n1.id, 'primary');
    await assign(t.services, trunk.id, n2.id, 'secondary');

    expect((await admin.delete(`/api/admin/trunks/${trunk.id}`)).status).toBe(204);
    expect((await admin.get(`/api/admin/trunks/${trunk.id}`)).status).toBe(404);
    expect((await admin.get(`/api/admin/assignments?trunkId=${trunk.id}`)).json.total).toBe(0);
    for (const n of [n1, n2]) {
      const kept = await admin.get(`/api/admin/numbers/${n.id}`);
      expect(kept.status).toBe(200);
      expect(kept.json.activeAssignment).toBeNull();
    }
    const audit = await admin.get(`/api/admin/audit?entityId=${trunk.id}`);
    expect(audit.json.items[0]).toMatchObject({
      action: 'trunk.delete',
      details: { name: 'Unused Trunk', ownerId: owner.id },
    });
  });

  it('deletes a number with an assignment but no history: the assignment goes, audited with its trunk', async () => {
    const owner = await addUser(t.services);
    const trunk = await addTrunk(t.services, owner.id);
    const number = await addNumber(t.services);
    await assign(t.services, trunk.id, number.id, 'primary');

    expect((await admin.delete(`/api/admin/numbers/${number.id}`)).status).toBe(204);
    expect((await admin.get(`/api/admin/numbers/${number.id}`)).status).toBe(404);
    expect((await admin.get(`/api/admin/assignments?trunkId=${trunk.id}`)).json.total).toBe(0);
    const audit = await admin.get(`/api/admin/audit?entityId=${number.id}`);
    expect(audit.json.items[0]).toMatchObject({
      action: 'phone_number.delete',
      details: { number: number.number, activeTrunkId: trunk.id },
    });
  });

  it('the database refuses to delete what calls refer to, whoever asks', async () => {
    const { user, trunk, number } = await agentWithCalls(1);
    const db = t.services.db;
    await expect(db.deleteFrom('users').where('id', '=', user.id).execute()).rejects.toThrow(/foreign key/i);
    await expect(db.deleteFrom('sip_trunks').where('id', '=', trunk.id).execute()).rejects.toThrow(
      /foreign key/i,
    );
    await expect(db.deleteFrom('phone_numbers').where('id', '=', number.id).execute()).rejects.toThrow(
      /foreign key/i,
    );
    expect(await historyOf(user.id)).toHaveLength(1);
    // Through the repositories (a call recorded after a service's check): a plain 409, never a 500.
    for (const remove of [
      () => t.services.repos.users.delete(user.id),
      () => t.services.repos.trunks.delete(trunk.id),
      () => t.services.repos.phoneNumbers.delete(number.id),
    ]) {
      await expect(remove()).rejects.toMatchObject({
        code: 'CONFLICT',
        message: expect.stringMatching(
          /is still referred to by the call history, so it cannot be deleted; deactivate it instead\.$/,
        ),
      });
    }
  });
});
