/**
 * Emergency numbers (issue 14): a connection the admin has not allowed (and whose caller ID is not
 * emergency-enabled at its carrier) never places a call to an emergency number of the caller ID's
 * country; the attempt is refused with a clear message and recorded. An allowed connection is never
 * blocked. The admin sets the permission through the trunk API. Both databases.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isEmergencyNumber } from '../../src/shared/emergency-numbers.js';
import { startTestApp, type Client, type TestApp } from '../support/app.js';
import { DATABASE_KINDS } from '../support/databases.js';
import { PASSWORD, addNumber, addUser, assign, createAgentWithLine } from '../support/dialer-fixtures.js';

describe('isEmergencyNumber', () => {
  it('knows the caller country’s numbers, and 112/911 everywhere', () => {
    expect(isEmergencyNumber('911', 'US')).toBe(true);
    expect(isEmergencyNumber('999', 'GB')).toBe(true);
    expect(isEmergencyNumber('999', 'US')).toBe(false);
    expect(isEmergencyNumber('000', 'AU')).toBe(true);
    expect(isEmergencyNumber('112', 'US')).toBe(true);
    expect(isEmergencyNumber('1 1 2', 'DE')).toBe(true);
    expect(isEmergencyNumber('110', null)).toBe(false);
    expect(isEmergencyNumber('+13125550100', 'US')).toBe(false);
    expect(isEmergencyNumber('9110', 'US')).toBe(false);
  });
});

describe.each(DATABASE_KINDS)('emergency calls (%s)', (kind) => {
  let t: TestApp;
  let line: Awaited<ReturnType<typeof createAgentWithLine>>;
  let agent: Client;
  let admin: Client;

  const dial = (remoteNumber: string, callerNumber = line.number.number) =>
    agent.post('/api/calls', {
      connectionId: line.trunk.id,
      callerNumber,
      remoteNumber,
      direction: 'outbound',
    });
  const rowOf = (id: string) =>
    t.services.db.selectFrom('calls').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  beforeAll(async () => {
    t = await startTestApp(kind, { env: { LOGIN_RATE_LIMIT: '1000' } });
    line = await createAgentWithLine(t.services);
    const boss = await addUser(t.services, { role: 'admin' });
    agent = await t.login(line.user.email, PASSWORD);
    admin = await t.login(boss.email, PASSWORD);
  });
  afterAll(() => t.close());

  it('refuses 911 on a connection that may not place emergency calls, with a clear message, and records it', async () => {
    const res = await dial('911');
    expect(res.status, res.text).toBe(422);
    expect(res.json.error.code).toBe('EMERGENCY_NOT_ALLOWED');
    expect(res.json.error.message).toBe(
      `Connection "${line.trunk.name}" is not allowed to place emergency calls, so 911 was not dialled. Call emergency services from another phone.`,
    );
    const row = await rowOf(res.json.error.details.callId as string);
    expect(row).toMatchObject({
      user_id: line.user.id,
      remote_number: '911',
      is_emergency: 1,
      outcome: 'failed',
      ended_by: 'system',
      hangup_cause: 'Emergency calls not allowed on this connection',
    });
    expect(row.ended_at).not.toBeNull();
    // An ordinary number on the same connection is not affected; 999 is not an emergency number in the US.
    expect((await dial('+14155550123')).status).toBe(201);
    const uk = await dial('999');
    expect(uk.status).toBe(201);
    expect((await rowOf(uk.json.id as string)).is_emergency).toBe(0);
  });

  it('once the admin allows the connection, 911 and 112 are placed and marked as emergency calls', async () => {
    const patched = await admin.patch(`/api/admin/trunks/${line.trunk.id}`, { emergencyCalls: true });
    expect(patched.status, patched.text).toBe(200);
    expect(patched.json.emergencyCalls).toBe(true);
    const list = await agent.get('/api/connections');
    expect(
      (list.json.connections as { id: string; emergencyCalls: boolean }[]).find(
        (c) => c.id === line.trunk.id,
      ),
    ).toMatchObject({ emergencyCalls: true });
    for (const n of ['911', '112']) {
      const res = await dial(n);
      expect(res.status, res.text).toBe(201);
      expect(res.json.isEmergency).toBe(true);
      expect((await rowOf(res.json.id as string)).outcome).toBe('in_progress');
    }
    await admin.patch(`/api/admin/trunks/${line.trunk.id}`, { emergencyCalls: false });
    expect((await dial('911')).status).toBe(422);
  });

  it('a caller ID that is emergency-enabled at its carrier may call its own country’s number', async () => {
    const uk = await addNumber(t.services, {
      owner_id: line.user.id,
      number: '+442079460958',
      country: 'GB',
      capabilities: '["voice","emergency"]',
    });
    await assign(t.services, line.trunk.id, uk.id, 'secondary');
    const res = await dial('999', uk.number);
    expect(res.status, res.text).toBe(201);
    expect(res.json.isEmergency).toBe(true);
    // The US number on the same connection still may not.
    expect((await dial('911')).status).toBe(422);
  });
});
