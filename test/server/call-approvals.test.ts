/**
 * Call approvals (issue 14, speed without giving up the caller-ID check): the server approves ahead of
 * the click that this user may call from this connection with this caller ID, and the phone sends the
 * INVITE on that approval while the record opens. An approval is the server's own (not forgeable), for one
 * user, connection and caller ID, opens one record once, and expires. Both databases.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type Client, type TestApp } from '../support/app.js';
import { DATABASE_KINDS } from '../support/databases.js';
import { PASSWORD, addNumber, addTrunk, assign, createAgentWithLine } from '../support/dialer-fixtures.js';

describe.each(DATABASE_KINDS)('call approvals (%s)', (kind) => {
  let t: TestApp;
  let now = Date.now();
  let line: Awaited<ReturnType<typeof createAgentWithLine>>;
  let other: Awaited<ReturnType<typeof createAgentWithLine>>;
  let agent: Client;
  let stranger: Client;

  const approve = (client: Client, body: Record<string, unknown>) =>
    client.post('/api/calls/approvals', body);
  const lineApproval = async (): Promise<string> => {
    const res = await approve(agent, { connectionId: line.trunk.id, phoneNumberId: line.number.id });
    expect(res.status, res.text).toBe(201);
    return res.json.approval as string;
  };
  const open = (client: Client, approval: string | undefined, overrides: Record<string, unknown> = {}) =>
    client.post('/api/calls', {
      connectionId: line.trunk.id,
      phoneNumberId: line.number.id,
      callerNumber: line.number.number,
      remoteNumber: '+14155550123',
      direction: 'outbound',
      ...(approval === undefined ? {} : { approval }),
      ...overrides,
    });
  const callCount = async () =>
    Number(
      (
        await t.services.db
          .selectFrom('calls')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  beforeAll(async () => {
    t = await startTestApp(kind, {
      env: { LOGIN_RATE_LIMIT: '1000' },
      overrides: { clock: { now: () => new Date(now) } },
    });
    line = await createAgentWithLine(t.services);
    other = await createAgentWithLine(t.services);
    agent = await t.login(line.user.email, PASSWORD);
    stranger = await t.login(other.user.email, PASSWORD);
  });
  afterAll(() => t.close());

  it('approves the user’s own caller ID on their own connection, and the record opens with that approval once', async () => {
    const res = await approve(agent, {
      connectionId: line.trunk.id,
      phoneNumberId: line.number.id,
      callerNumber: line.number.number,
    });
    expect(res.status, res.text).toBe(201);
    expect(res.json).toMatchObject({
      connectionId: line.trunk.id,
      phoneNumberId: line.number.id,
      callerNumber: line.number.number,
    });
    expect(Date.parse(res.json.expiresAt as string)).toBeGreaterThan(now);

    const first = await open(agent, res.json.approval as string);
    expect(first.status, first.text).toBe(201);
    expect(first.json).toMatchObject({ connectionId: line.trunk.id, callerNumber: line.number.number });
    // The same approval again: refused, no second record.
    const before = await callCount();
    const again = await open(agent, res.json.approval as string, { remoteNumber: '+14155550199' });
    expect(again.status, again.text).toBe(409);
    expect(again.json.error.message).toBe(
      'This call approval was used already; each approval places one call.',
    );
    expect(await callCount()).toBe(before);
  });

  it('two uses of one approval at the same moment open one record', async () => {
    const approval = await lineApproval();
    const before = await callCount();
    const results = await Promise.all([open(agent, approval), open(agent, approval), open(agent, approval)]);
    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409]);
    expect(await callCount()).toBe(before + 1);
  });

  it('gives no approval for a caller ID not actively assigned to the connection, nor for another user’s connection', async () => {
    const loose = await addNumber(t.services, { owner_id: line.user.id });
    const res = await approve(agent, { connectionId: line.trunk.id, phoneNumberId: loose.id });
    expect(res.status, res.text).toBe(422);
    expect(res.json.error.code).toBe('CALLER_ID_NOT_ASSIGNED');
    expect(res.json).not.toHaveProperty('approval');

    const inactive = await addNumber(t.services, { owner_id: line.user.id });
    await assign(t.services, line.trunk.id, inactive.id, 'backup', false);
    expect((await approve(agent, { connectionId: line.trunk.id, phoneNumberId: inactive.id })).status).toBe(
      422,
    );

    // The number and the id must agree (the page shows the number).
    const mismatch = await approve(agent, {
      connectionId: line.trunk.id,
      phoneNumberId: line.number.id,
      callerNumber: other.number.number,
    });
    expect(mismatch.status).toBe(422);

    // Someone else's connection is "not found", whatever number is asked for.
    const theirs = await approve(stranger, { connectionId: line.trunk.id, phoneNumberId: line.number.id });
    expect(theirs.status).toBe(404);
    expect(theirs.json.error.code).toBe('NOT_FOUND');
  });

  it('refuses a forged or altered approval and opens no record', async () => {
    const approval = await lineApproval();
    const [version, body, signature] = approval.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Record<string, unknown>;
    const forgedBody = Buffer.from(JSON.stringify({ ...claims, expiresAt: now + 86_400_000 })).toString(
      'base64url',
    );
    const flipped = signature.slice(0, -2) + (signature.endsWith('AA') ? 'BB' : 'AA');
    const before = await callCount();
    for (const forged of [
      `${version}.${forgedBody}.${signature}`, // claims changed, signature kept
      `${version}.${body}.${flipped}`, // signature altered
      `${version}.${body}`, // no signature
      'v1.e30.AAAA', // made up
    ]) {
      const res = await open(agent, forged);
      expect(res.status, forged).toBe(403);
      expect(res.json.error.code).toBe('CALL_APPROVAL_INVALID');
    }
    expect(await callCount()).toBe(before);
    // The genuine one still works: a refused forgery does not use it up.
    expect((await open(agent, approval)).status).toBe(201);
  });

  it('an approval is good only for its user, connection and caller ID', async () => {
    const approval = await lineApproval();
    // Another caller ID on the same connection.
    const second = await addNumber(t.services, { owner_id: line.user.id });
    await assign(t.services, line.trunk.id, second.id, 'secondary');
    const otherNumber = await open(agent, approval, {
      phoneNumberId: second.id,
      callerNumber: second.number,
    });
    expect(otherNumber.status, otherNumber.text).toBe(403);
    expect(otherNumber.json.error.code).toBe('CALL_APPROVAL_INVALID');

    // Another connection of the same user (a number is actively assigned to one connection at a time).
    const trunk2 = await addTrunk(t.services, line.user.id);
    const n2 = await addNumber(t.services, { owner_id: line.user.id });
    await assign(t.services, trunk2.id, n2.id, 'primary');
    const otherConnection = await open(agent, approval, {
      connectionId: trunk2.id,
      phoneNumberId: n2.id,
      callerNumber: n2.number,
    });
    expect(otherConnection.status, otherConnection.text).toBe(403);
    expect(otherConnection.json.error.code).toBe('CALL_APPROVAL_INVALID');

    // Another user presenting it for their own line; and for this line, which is not theirs (404).
    const theirLine = await open(stranger, approval, {
      connectionId: other.trunk.id,
      phoneNumberId: other.number.id,
      callerNumber: other.number.number,
    });
    expect(theirLine.status, theirLine.text).toBe(403);
    expect((await open(stranger, approval)).status).toBe(404);

    // None of that used it up.
    expect((await open(agent, approval)).status).toBe(201);
  });

  it('an expired approval is refused', async () => {
    const approval = await lineApproval();
    now += 121_000;
    const res = await open(agent, approval);
    expect(res.status, res.text).toBe(403);
    expect(res.json.error.message).toBe('This call was not approved: the approval has expired.');
  });

  it('an approval does not outlive the assignment: a number unassigned since is refused at the record', async () => {
    const n = await addNumber(t.services, { owner_id: line.user.id });
    const a = await assign(t.services, line.trunk.id, n.id, 'backup');
    const res = await approve(agent, { connectionId: line.trunk.id, phoneNumberId: n.id });
    expect(res.status, res.text).toBe(201);
    await t.services.db
      .updateTable('trunk_phone_numbers')
      .set({ is_active: 0 })
      .where('id', '=', a.id)
      .execute();
    const opened = await open(agent, res.json.approval as string, {
      phoneNumberId: n.id,
      callerNumber: n.number,
    });
    expect(opened.status, opened.text).toBe(422);
    expect(opened.json.error.code).toBe('CALLER_ID_NOT_ASSIGNED');
  });

  it('without an approval the record opens as before (the phone then waits for it before the INVITE)', async () => {
    const res = await open(agent, undefined);
    expect(res.status, res.text).toBe(201);
    // Only outbound calls are approved ahead.
    const inbound = await agent.post('/api/calls', {
      connectionId: line.trunk.id,
      remoteNumber: '+14155550123',
      direction: 'inbound',
      approval: await lineApproval(),
    });
    expect(inbound.status, inbound.text).toBe(400);
  });
});
