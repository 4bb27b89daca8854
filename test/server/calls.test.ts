import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { abandonedCallsJob } from '../../src/server/jobs/abandoned-calls-job.js';
import { Scheduler } from '../../src/server/jobs/scheduler.js';
import { csvField } from '../../src/server/routes/call-csv.js';
import { startTestApp, type Client, type TestApp } from '../support/app.js';
import { DATABASE_KINDS } from '../support/databases.js';
import {
  addNumber,
  addTrunk,
  addUser,
  assign,
  createAgentWithLine,
  PASSWORD,
} from '../support/dialer-fixtures.js';

type Line = Awaited<ReturnType<typeof createAgentWithLine>>;

/** Minimal RFC 4180 reader, to prove the export round-trips. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += ch;
  }
  if (field || row.length) rows.push([...row, field]);
  return rows;
}

const silentJobLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

describe('csvField', () => {
  it('quotes, doubles quotes and defuses formulas but keeps phone numbers', () => {
    expect(csvField(null)).toBe('');
    expect(csvField(42)).toBe('42');
    expect(csvField('+13125550100')).toBe('+13125550100');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('line1\nline2')).toBe('"line1\nline2"');
    expect(csvField('=HYPERLINK("http://x")')).toBe(`"'=HYPERLINK(""http://x"")"`);
    expect(csvField('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvField('+cmd|x')).toBe("'+cmd|x");
    expect(csvField('-1+2')).toBe("'-1+2");
  });
});

describe.each(DATABASE_KINDS)('call records (%s)', (kind) => {
  let t: TestApp;
  let a: Line;
  let b: Line;
  let admin: Awaited<ReturnType<typeof addUser>>;
  let ca: Client;
  let cb: Client;
  let cadmin: Client;

  const countCalls = async () =>
    Number(
      (
        await t.services.db
          .selectFrom('calls')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  const startOutbound = async (client: Client, line: Line, extra: Record<string, unknown> = {}) => {
    const res = await client.post('/api/calls', {
      connectionId: line.trunk.id,
      callerNumber: line.number.number,
      remoteNumber: '+14155550123',
      direction: 'outbound',
      ...extra,
    });
    expect(res.status, res.text).toBe(201);
    return res.json as { id: string; startedAt: string };
  };

  beforeAll(async () => {
    t = await startTestApp(kind, { env: { LOGIN_RATE_LIMIT: '1000', CALL_ABANDON_TIMEOUT_SECONDS: '60' } });
    a = await createAgentWithLine(t.services);
    b = await createAgentWithLine(t.services);
    admin = await addUser(t.services, { role: 'admin' });
    ca = await t.login(a.user.email, PASSWORD);
    cb = await t.login(b.user.email, PASSWORD);
    cadmin = await t.login(admin.email, PASSWORD);
  });
  afterAll(() => t.close());

  it('records an outbound call from start to end, with duration and quality', async () => {
    const start = await ca.post('/api/calls', {
      connectionId: a.trunk.id,
      callerNumber: a.number.number,
      remoteNumber: '+1 (415) 555-0123',
      direction: 'outbound',
      sipCallId: 'abc@host',
    });
    expect(start.status, start.text).toBe(201);
    expect(start.json).toMatchObject({
      userId: a.user.id,
      connectionId: a.trunk.id,
      connectionName: a.trunk.name,
      phoneNumberId: a.number.id,
      callerNumber: a.number.number,
      remoteNumber: '+14155550123',
      direction: 'outbound',
      outcome: 'in_progress',
      answeredAt: null,
      endedAt: null,
      durationSeconds: null,
      quality: null,
    });
    const id = start.json.id as string;
    const startedAt = Date.parse(start.json.startedAt as string);
    expect(Math.abs(startedAt - Date.now())).toBeLessThan(10_000);

    const answeredAt = new Date(startedAt + 2_000).toISOString();
    const progress = await ca.patch(`/api/calls/${id}`, { answeredAt, sipCallId: 'late-call-id@host' });
    expect(progress.status, progress.text).toBe(200);
    expect(progress.json).toMatchObject({ outcome: 'in_progress', answeredAt, endedAt: null });
    const stored = await t.services.db
      .selectFrom('calls')
      .select('sip_call_id')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(stored.sip_call_id).toBe('late-call-id@host');

    const endedAt = new Date(startedAt + 2_000 + 65_400).toISOString();
    const end = await ca.patch(`/api/calls/${id}`, {
      outcome: 'answered',
      endedAt,
      hangupCause: 'Normal clearing',
      sipCode: 200,
      quality: { mos: 4.31, jitterMs: 3.5, packetLossPct: 0.25, rttMs: 42 },
    });
    expect(end.status, end.text).toBe(200);
    expect(end.json).toMatchObject({
      outcome: 'answered',
      answeredAt,
      endedAt,
      durationSeconds: 65,
      hangupCause: 'Normal clearing',
      sipCode: 200,
      quality: { mos: 4.31, jitterMs: 3.5, packetLossPct: 0.25, rttMs: 42 },
    });

    const got = await ca.get(`/api/calls/${id}`);
    expect(got.json).toEqual(end.json);

    // A retry of the final update is harmless; changing or reopening an ended call is a conflict.
    const retry = await ca.patch(`/api/calls/${id}`, { outcome: 'answered', endedAt, sipCode: 200 });
    expect(retry.status, retry.text).toBe(200);
    const change = await ca.patch(`/api/calls/${id}`, { outcome: 'busy' });
    expect(change.status).toBe(409);
    expect(change.json.error.message).toMatch(/already ended/);
    const reopen = await ca.patch(`/api/calls/${id}`, { outcome: 'in_progress' });
    expect(reopen.status).toBe(409);
    expect(reopen.json.error.message).toMatch(/cannot be reopened/);
    expect((await ca.post(`/api/calls/${id}/heartbeat`)).status).toBe(409);
  });

  it('keeps what the KPIs and the phone need: INVITE and first 18x times, who ended it, interruptions', async () => {
    const inviteAt = new Date(Date.now() - 5_000).toISOString();
    const start = await ca.post('/api/calls', {
      connectionId: a.trunk.id,
      callerNumber: a.number.number,
      remoteNumber: '+14155550124',
      direction: 'outbound',
      sipCallId: 'kpi@host',
      inviteAt,
    });
    expect(start.status, start.text).toBe(201);
    expect(start.json).toMatchObject({
      sipCallId: 'kpi@host',
      inviteAt,
      progressAt: null,
      pddMs: null,
      endedBy: null,
      interruptions: 0,
      interruptedAt: null,
      recoveredAfterMs: null,
      isEmergency: false,
      retryOfCallId: null,
      callerVerification: null,
    });
    const id = start.json.id as string;
    const progressAt = new Date(Date.parse(inviteAt) + 1_250).toISOString();
    expect((await ca.patch(`/api/calls/${id}`, { progressAt, interruptions: 2 })).json).toMatchObject({
      progressAt,
      pddMs: 1_250,
      interruptions: 2,
    });
    // A late or repeated report never lowers the count.
    expect((await ca.patch(`/api/calls/${id}`, { interruptions: 1 })).json.interruptions).toBe(2);
    // The latest interruption: when it began (reconnecting), then how long the call took to come back.
    const interruptedAt = new Date(Date.parse(inviteAt) + 3_000).toISOString();
    expect(
      (await ca.patch(`/api/calls/${id}`, { interruptions: 3, interruptedAt, recoveredAfterMs: null })).json,
    ).toMatchObject({ interruptions: 3, interruptedAt, recoveredAfterMs: null });
    expect((await ca.patch(`/api/calls/${id}`, { recoveredAfterMs: 640 })).json).toMatchObject({
      interruptedAt,
      recoveredAfterMs: 640,
    });
    for (const bad of [{ recoveredAfterMs: -1 }, { recoveredAfterMs: 1.5 }, { interruptedAt: 'yesterday' }]) {
      expect((await ca.patch(`/api/calls/${id}`, bad)).status, JSON.stringify(bad)).toBe(400);
    }
    const end = await ca.patch(`/api/calls/${id}`, {
      outcome: 'busy',
      sipCode: 486,
      endedBy: 'remote',
      hangupCause: 'Busy Here',
    });
    expect(end.status, end.text).toBe(200);
    expect(end.json).toMatchObject({ outcome: 'busy', sipCode: 486, endedBy: 'remote', pddMs: 1_250 });

    // Without inviteAt an outbound record takes the server's time of the request.
    const plain = await startOutbound(ca, a);
    const row = await t.services.db
      .selectFrom('calls')
      .select(['invite_at', 'started_at'])
      .where('id', '=', plain.id)
      .executeTakeFirstOrThrow();
    expect(row.invite_at).toBe(row.started_at);

    const bad = await ca.patch(`/api/calls/${id}`, { endedBy: 'martians' });
    expect(bad.status).toBe(400);
    expect(bad.json.error.message).toMatch(/endedBy/);
  });

  it('links a failover retry to its first attempt, only within the same user', async () => {
    const first = await startOutbound(ca, a);
    await ca.patch(`/api/calls/${first.id}`, { outcome: 'failed', sipCode: 503, endedBy: 'remote' });
    const retry = await ca.post('/api/calls', {
      connectionId: a.trunk.id,
      callerNumber: a.number.number,
      remoteNumber: '+14155550125',
      direction: 'outbound',
      retryOfCallId: first.id,
    });
    expect(retry.status, retry.text).toBe(201);
    expect(retry.json.retryOfCallId).toBe(first.id);

    const before = await countCalls();
    const foreign = await cb.post('/api/calls', {
      connectionId: b.trunk.id,
      callerNumber: b.number.number,
      remoteNumber: '+14155550125',
      direction: 'outbound',
      retryOfCallId: first.id,
    });
    expect(foreign.status).toBe(404);
    expect(await countCalls()).toBe(before);
  });

  it('keeps the STIR/SHAKEN verification of an incoming caller', async () => {
    const inbound = await ca.post('/api/calls', {
      connectionId: a.trunk.id,
      callerNumber: a.number.number,
      remoteNumber: '+14155550126',
      direction: 'inbound',
      callerVerification: 'verified',
    });
    expect(inbound.status, inbound.text).toBe(201);
    expect(inbound.json.callerVerification).toBe('verified');
    const bad = await ca.post('/api/calls', {
      connectionId: a.trunk.id,
      remoteNumber: '+14155550126',
      direction: 'inbound',
      callerVerification: 'trust-me',
    });
    expect(bad.status).toBe(400);
  });

  it('ends an unanswered call with its outcome, at the server time when endedAt is omitted', async () => {
    const { id } = await startOutbound(ca, a);
    const res = await ca.patch(`/api/calls/${id}`, { outcome: 'busy', sipCode: 486, hangupCause: 'Busy' });
    expect(res.status, res.text).toBe(200);
    expect(res.json).toMatchObject({
      outcome: 'busy',
      sipCode: 486,
      durationSeconds: null,
      answeredAt: null,
    });
    expect(Math.abs(Date.parse(res.json.endedAt as string) - Date.now())).toBeLessThan(10_000);
  });

  it('accepts the caller ID by phoneNumberId and updates the assignment last use', async () => {
    const before = await t.services.db
      .selectFrom('trunk_phone_numbers')
      .select('last_used_at')
      .where('id', '=', a.assignment.id)
      .executeTakeFirstOrThrow();
    const res = await ca.post('/api/calls', {
      connectionId: a.trunk.id,
      phoneNumberId: a.number.id,
      remoteNumber: '+14155550199',
      direction: 'outbound',
    });
    expect(res.status, res.text).toBe(201);
    expect(res.json.callerNumber).toBe(a.number.number);
    const after = await t.services.db
      .selectFrom('trunk_phone_numbers')
      .select('last_used_at')
      .where('id', '=', a.assignment.id)
      .executeTakeFirstOrThrow();
    expect(after.last_used_at).toBe(res.json.startedAt);
    expect(after.last_used_at).not.toBe(before.last_used_at);
  });

  it('refuses a caller ID that is not actively assigned to the connection (422) and writes nothing', async () => {
    const inactiveNumber = await addNumber(t.services);
    const inactive = await assign(t.services, a.trunk.id, inactiveNumber.id, 'secondary', false);
    const calls = await countCalls();
    const cases = [
      { callerNumber: b.number.number }, // assigned, but to B's trunk
      { callerNumber: '+13125550000' }, // not ours at all
      { callerNumber: inactiveNumber.number }, // assigned, but inactive
      { phoneNumberId: inactiveNumber.id },
      { phoneNumberId: b.number.id },
      { phoneNumberId: a.number.id, callerNumber: b.number.number }, // contradictory
    ];
    for (const c of cases) {
      const res = await ca.post('/api/calls', {
        connectionId: a.trunk.id,
        remoteNumber: '+14155550123',
        direction: 'outbound',
        ...c,
      });
      expect(res.status, JSON.stringify(c)).toBe(422);
      expect(res.json.error.code).toBe('CALLER_ID_NOT_ASSIGNED');
      expect(res.json.error.message).toMatch(/assigned to connection/);
    }
    expect(await countCalls()).toBe(calls);
    const row = await t.services.db
      .selectFrom('trunk_phone_numbers')
      .select('last_used_at')
      .where('id', '=', inactive.id)
      .executeTakeFirstOrThrow();
    expect(row.last_used_at).toBeNull();
  });

  it("answers 404 for another user's connection or an inactive one, and writes nothing", async () => {
    const calls = await countCalls();
    const others = await ca.post('/api/calls', {
      connectionId: b.trunk.id,
      callerNumber: b.number.number,
      remoteNumber: '+14155550123',
      direction: 'outbound',
    });
    expect(others.status).toBe(404);
    const pending = await addTrunk(t.services, a.user.id, { status: 'pending' });
    const n = await addNumber(t.services);
    await assign(t.services, pending.id, n.id, 'primary');
    const inactive = await ca.post('/api/calls', {
      connectionId: pending.id,
      callerNumber: n.number,
      remoteNumber: '+14155550123',
      direction: 'outbound',
    });
    expect(inactive.status).toBe(404);
    expect(inactive.json.error.message).toMatch(/pending/);
    const unknown = await ca.post('/api/calls', {
      connectionId: 'nope',
      callerNumber: a.number.number,
      remoteNumber: '1000',
      direction: 'outbound',
    });
    expect(unknown.status).toBe(404);
    expect(await countCalls()).toBe(calls);
  });

  it('records inbound calls with or without our number, without touching last use', async () => {
    const before = await t.services.db
      .selectFrom('trunk_phone_numbers')
      .select('last_used_at')
      .where('id', '=', b.assignment.id)
      .executeTakeFirstOrThrow();
    const known = await cb.post('/api/calls', {
      connectionId: b.trunk.id,
      callerNumber: b.number.number,
      remoteNumber: 'anonymous',
      direction: 'inbound',
    });
    expect(known.status, known.text).toBe(201);
    expect(known.json).toMatchObject({
      direction: 'inbound',
      phoneNumberId: b.number.id,
      callerNumber: b.number.number,
      remoteNumber: 'anonymous',
    });
    const unknown = await cb.post('/api/calls', {
      connectionId: b.trunk.id,
      callerNumber: null,
      remoteNumber: '+442071838750',
      direction: 'inbound',
    });
    expect(unknown.status, unknown.text).toBe(201);
    expect(unknown.json).toMatchObject({ phoneNumberId: null, callerNumber: null });
    const after = await t.services.db
      .selectFrom('trunk_phone_numbers')
      .select('last_used_at')
      .where('id', '=', b.assignment.id)
      .executeTakeFirstOrThrow();
    expect(after.last_used_at).toBe(before.last_used_at);
  });

  it("hides another user's call (404) from update, heartbeat and read", async () => {
    const { id } = await startOutbound(ca, a);
    expect((await cb.patch(`/api/calls/${id}`, { outcome: 'failed' })).status).toBe(404);
    expect((await cb.post(`/api/calls/${id}/heartbeat`)).status).toBe(404);
    expect((await cb.get(`/api/calls/${id}`)).status).toBe(404);
    expect((await cb.patch('/api/calls/00000000-0000-0000-0000-000000000000', {})).status).toBe(404);
    // An admin may read it, but the record is still only the caller's to write.
    expect((await cadmin.get(`/api/calls/${id}`)).status).toBe(200);
    expect((await cadmin.patch(`/api/calls/${id}`, { outcome: 'failed' })).status).toBe(404);
    expect((await ca.get(`/api/calls/${id}`)).json.outcome).toBe('in_progress');
  });

  it('keeps a call alive with heartbeats and closes a vanished one as abandoned', async () => {
    const alive = await startOutbound(ca, a);
    const gone = await startOutbound(ca, a);
    const answeredGone = await startOutbound(ca, a);
    const old = new Date(Date.now() - 5 * 60_000);
    const lastSeen = old.toISOString();
    await t.services.db
      .updateTable('calls')
      .set({ last_seen_at: lastSeen })
      .where('id', 'in', [alive.id, gone.id, answeredGone.id])
      .execute();
    await t.services.db
      .updateTable('calls')
      .set({ answered_at: new Date(old.getTime() - 30_000).toISOString() })
      .where('id', '=', answeredGone.id)
      .execute();

    const hb = await ca.post(`/api/calls/${alive.id}/heartbeat`);
    expect(hb.status, hb.text).toBe(200);
    expect(Math.abs(Date.parse(hb.json.lastSeenAt as string) - Date.now())).toBeLessThan(10_000);
    // The browser may send no body at all.
    const bare = await ca.request('POST', `/api/calls/${alive.id}/heartbeat`);
    expect(bare.status, bare.text).toBe(200);

    const closed = await t.services.calls.sweepAbandoned(new Date());
    expect(closed).toBeGreaterThanOrEqual(2);
    const g = (await ca.get(`/api/calls/${gone.id}`)).json;
    expect(g).toMatchObject({ outcome: 'abandoned', endedAt: lastSeen, durationSeconds: null });
    expect(g.hangupCause).toMatch(/heartbeat/);
    expect((await ca.get(`/api/calls/${answeredGone.id}`)).json).toMatchObject({
      outcome: 'abandoned',
      durationSeconds: 30,
    });
    expect((await ca.get(`/api/calls/${alive.id}`)).json.outcome).toBe('in_progress');
    expect(await t.services.calls.sweepAbandoned(new Date())).toBe(0);

    // A heartbeat is too late now; the browser's real final report still replaces "abandoned".
    expect((await ca.post(`/api/calls/${gone.id}/heartbeat`)).status).toBe(409);
    expect((await ca.patch(`/api/calls/${gone.id}`, { outcome: 'in_progress' })).status).toBe(409);
    const late = await ca.patch(`/api/calls/${gone.id}`, { outcome: 'no_answer', sipCode: 480 });
    expect(late.status, late.text).toBe(200);
    expect(late.json.outcome).toBe('no_answer');
    expect((await ca.patch(`/api/calls/${gone.id}`, { outcome: 'failed' })).status).toBe(409);
  });

  it('runs the sweeper on the job scheduler and stops it with the scheduler', async () => {
    const { id } = await startOutbound(ca, a);
    await t.services.db
      .updateTable('calls')
      .set({ last_seen_at: new Date(Date.now() - 3_600_000).toISOString() })
      .where('id', '=', id)
      .execute();
    const scheduler = new Scheduler(silentJobLogger);
    scheduler.start([
      abandonedCallsJob({
        calls: t.services.calls,
        abandonTimeoutMs: t.services.config.callAbandonTimeoutMs,
        logger: silentJobLogger,
        everySeconds: 1,
      }),
    ]);
    try {
      await expect
        .poll(async () => (await ca.get(`/api/calls/${id}`)).json.outcome, { timeout: 5_000 })
        .toBe('abandoned');
    } finally {
      await scheduler.stop();
    }
  });

  describe('history', () => {
    let h: Line;
    let ch: Client;
    let second: { trunk: { id: string }; number: { id: string; number: string } };
    const ids: Record<string, string> = {};

    beforeAll(async () => {
      h = await createAgentWithLine(t.services);
      ch = await t.login(h.user.email, PASSWORD);
      const trunk2 = await addTrunk(t.services, h.user.id, { name: 'Second, "quoted"\ntrunk' });
      const number2 = await addNumber(t.services, {
        number: `+1646555${String(Math.floor(Math.random() * 10_000)).padStart(4, '0')}`,
      });
      await assign(t.services, trunk2.id, number2.id, 'primary');
      second = { trunk: trunk2, number: number2 };
      const mk = async (
        name: string,
        body: Record<string, unknown>,
        startedAt: string,
        end?: Record<string, unknown>,
      ) => {
        const res = await ch.post('/api/calls', body);
        expect(res.status, res.text).toBe(201);
        ids[name] = res.json.id as string;
        if (end) expect((await ch.patch(`/api/calls/${ids[name]}`, end)).status).toBe(200);
        await t.services.db
          .updateTable('calls')
          .set({ started_at: startedAt })
          .where('id', '=', ids[name])
          .execute();
      };
      const out = (trunkId: string, callerNumber: string, remoteNumber: string) => ({
        connectionId: trunkId,
        callerNumber,
        remoteNumber,
        direction: 'outbound',
      });
      await mk('nov1', out(h.trunk.id, h.number.number, '+14155550001'), '2026-11-01T09:00:00.000Z', {
        outcome: 'answered',
        answeredAt: '2026-11-01T09:00:05.000Z',
        endedAt: '2026-11-01T09:01:05.000Z',
        quality: { mos: 4 },
      });
      await mk('nov2', out(h.trunk.id, h.number.number, '+14155550002'), '2026-11-02T23:59:59.000Z', {
        outcome: 'busy',
        sipCode: 486,
      });
      await mk(
        'nov3',
        out(second.trunk.id, second.number.number, '+14155550003'),
        '2026-11-03T00:00:00.000Z',
        {
          outcome: 'answered',
          answeredAt: '2026-11-03T00:00:01.000Z',
          endedAt: '2026-11-03T00:02:01.000Z',
          hangupCause: '=HYPERLINK("http://evil.example","x"), then',
          quality: { mos: 3 },
          // The network dropped twice; the call came back from the latest in 2.2 s.
          interruptions: 2,
          interruptedAt: '2026-11-03T00:01:00.000Z',
          recoveredAfterMs: 2200,
        },
      );
      await mk(
        'in4',
        {
          connectionId: h.trunk.id,
          callerNumber: h.number.number,
          remoteNumber: '+442071838750',
          direction: 'inbound',
        },
        '2026-11-04T12:00:00.000Z',
        {
          outcome: 'no_answer',
        },
      );
      await mk(
        'nov5',
        out(second.trunk.id, second.number.number, '+14155550005'),
        '2026-11-05T12:00:00.000Z',
      );
    });

    const listIds = async (query: string, client: Client = ch) => {
      const res = await client.get(`/api/calls${query}`);
      expect(res.status, res.text).toBe(200);
      return (res.json.items as { id: string }[]).map((i) => i.id);
    };

    it("lists the user's calls newest first with the connection name", async () => {
      const res = await ch.get('/api/calls');
      expect(res.status).toBe(200);
      expect(res.json).toMatchObject({ total: 5, page: 1, pageSize: 50 });
      expect(res.json.items.map((i: { id: string }) => i.id)).toEqual([
        ids.nov5,
        ids.in4,
        ids.nov3,
        ids.nov2,
        ids.nov1,
      ]);
      expect(res.json.items[0].connectionName).toBe('Second, "quoted"\ntrunk');
      expect(res.json.items[4]).toMatchObject({ durationSeconds: 60, quality: { mos: 4, jitterMs: null } });
    });

    it('filters by date, connection, number, direction, outcome and number text', async () => {
      expect(await listIds('?from=2026-11-02&to=2026-11-03')).toEqual([ids.nov3, ids.nov2]);
      expect(await listIds('?to=2026-11-02')).toEqual([ids.nov2, ids.nov1]);
      expect(await listIds('?from=2026-11-02T23:59:59Z&to=2026-11-03T00:00:00%2B00:00')).toEqual([
        ids.nov3,
        ids.nov2,
      ]);
      expect(await listIds('?from=2026-11-03T01:00:00%2B01:00')).toEqual([ids.nov5, ids.in4, ids.nov3]);
      expect(await listIds(`?connectionId=${second.trunk.id}`)).toEqual([ids.nov5, ids.nov3]);
      expect(await listIds(`?phoneNumberId=${h.number.id}`)).toEqual([ids.in4, ids.nov2, ids.nov1]);
      expect(await listIds('?direction=inbound')).toEqual([ids.in4]);
      expect(await listIds('?outcome=answered')).toEqual([ids.nov3, ids.nov1]);
      expect(await listIds('?q=415%20555-0002')).toEqual([ids.nov2]);
      expect(await listIds('?q=4420718')).toEqual([ids.in4]);
      expect(await listIds('?q=%25')).toEqual([]); // LIKE wildcards are literal
      expect(await listIds('?q=_')).toEqual([]);
      expect(await listIds('?direction=outbound&outcome=answered&connectionId=' + h.trunk.id)).toEqual([
        ids.nov1,
      ]);
    });

    it('reads a page, an export and the statistics with a constant number of queries', async () => {
      const actor = { id: h.user.id, role: 'agent' };
      const count = async (run: () => Promise<unknown>) => {
        t.database.queries.length = 0;
        await run();
        return t.database.queries.length;
      };
      expect(await count(() => t.services.calls.list(actor, {}, 1, 200))).toBe(2);
      expect(await count(() => t.services.calls.stats(actor, {}))).toBe(3);
      expect(
        await count(async () => {
          for await (const row of t.services.calls.exportRows(actor, {})) void row;
        }),
      ).toBe(1);
    });

    it('pages', async () => {
      const p1 = await ch.get('/api/calls?pageSize=2');
      const p3 = await ch.get('/api/calls?pageSize=2&page=3');
      const p4 = await ch.get('/api/calls?pageSize=2&page=4');
      expect(p1.json).toMatchObject({ total: 5, page: 1, pageSize: 2 });
      expect(p1.json.items.map((i: { id: string }) => i.id)).toEqual([ids.nov5, ids.in4]);
      expect(p3.json.items.map((i: { id: string }) => i.id)).toEqual([ids.nov1]);
      expect(p4.json).toMatchObject({ items: [], total: 5, page: 4 });
    });

    it('lets admins see one user or everyone, and nobody else', async () => {
      expect(await listIds(`?userId=${h.user.id}`, cadmin)).toHaveLength(5);
      const all = await cadmin.get('/api/calls?userId=all&pageSize=200');
      expect(all.json.total).toBeGreaterThan(5);
      expect(new Set(all.json.items.map((i: { userId: string }) => i.userId))).toContain(a.user.id);
      expect(await listIds('', cadmin)).toEqual([]); // default: the admin's own calls
      expect(await listIds('', ca)).not.toContain(ids.nov1);
      expect((await ca.get(`/api/calls?userId=${h.user.id}`)).status).toBe(403);
      expect((await ca.get('/api/calls?userId=all')).status).toBe(403);
      expect((await ch.get(`/api/calls?userId=${h.user.id}`)).status).toBe(200);
    });

    it('exports the same filters as properly escaped CSV', async () => {
      const res = await ch.get(`/api/calls/export.csv?connectionId=${second.trunk.id}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
      expect(res.headers.get('content-disposition')).toMatch(
        /^attachment; filename="calls-\d{4}-\d{2}-\d{2}\.csv"$/,
      );
      expect(res.text.endsWith('\r\n')).toBe(true);
      const rows = parseCsv(res.text);
      const header = rows[0]!;
      expect(rows).toHaveLength(3);
      const col = (name: string) => header.indexOf(name);
      const nov3 = rows.find((r) => r[col('call_id')] === ids.nov3)!;
      expect(nov3[col('connection_name')]).toBe('Second, "quoted"\ntrunk');
      expect(nov3[col('hangup_cause')]).toBe(`'=HYPERLINK("http://evil.example","x"), then`);
      expect(nov3[col('caller_number')]).toBe(second.number.number);
      expect(nov3[col('remote_number')]).toBe('+14155550003');
      expect(nov3[col('duration_seconds')]).toBe('120');
      expect(nov3[col('mos')]).toBe('3');
      expect(nov3[col('user_email')]).toBe(h.user.email);
      expect(nov3[col('interruptions')]).toBe('2');
      expect(nov3[col('interrupted_at')]).toBe('2026-11-03T00:01:00.000Z');
      expect(nov3[col('recovered_after_ms')]).toBe('2200');
      const nov5 = rows.find((r) => r[col('call_id')] === ids.nov5)!;
      expect(
        [col('interruptions'), col('interrupted_at'), col('recovered_after_ms')].map((i) => nov5[i]),
      ).toEqual(['0', '', '']);
      expect(rows.every((r) => r.length === header.length)).toBe(true);

      const none = await ch.get('/api/calls/export.csv?outcome=cancelled');
      expect(parseCsv(none.text)).toHaveLength(1);
      const bad = await ch.get('/api/calls/export.csv?from=yesterday');
      expect(bad.status).toBe(400);
      expect(bad.json.error.message).toMatch(/from/);
      expect((await ca.get('/api/calls/export.csv?userId=all')).status).toBe(403);
    });

    it('exports more rows than one batch without losing or repeating any', async () => {
      const many = await createAgentWithLine(t.services);
      const rows = Array.from({ length: 1203 }, (_, i) => ({
        id: `bulk-${String(i).padStart(5, '0')}`,
        user_id: many.user.id,
        trunk_id: many.trunk.id,
        phone_number_id: many.number.id,
        caller_number: many.number.number,
        remote_number: `+1415555${String(i).padStart(4, '0')}`,
        direction: 'outbound',
        outcome: 'failed',
        hangup_cause: null,
        sip_code: null,
        sip_call_id: null,
        // Many calls share a start time: the keyset must break ties by id.
        started_at: new Date(Date.UTC(2026, 10, 1) + Math.floor(i / 7) * 1000).toISOString(),
        answered_at: null,
        ended_at: null,
        duration_seconds: null,
        mos: null,
        jitter_ms: null,
        packet_loss_pct: null,
        rtt_ms: null,
        last_seen_at: new Date().toISOString(),
        created_at: new Date().toISOString(),
        updated_at: new Date().toISOString(),
      }));
      for (let i = 0; i < rows.length; i += 200)
        await t.services.db
          .insertInto('calls')
          .values(rows.slice(i, i + 200))
          .execute();
      const cm = await t.login(many.user.email, PASSWORD);
      const res = await cm.get('/api/calls/export.csv');
      const got = parseCsv(res.text)
        .slice(1)
        .map((r) => r[0]);
      expect(got).toHaveLength(1203);
      expect(new Set(got).size).toBe(1203);
    });

    it('sums calls per connection and per number', async () => {
      const res = await ch.get('/api/calls/stats?from=2026-11-01&to=2026-11-30');
      expect(res.status, res.text).toBe(200);
      expect(res.json.totals).toEqual({
        calls: 5,
        answered: 2,
        answerRate: 0.4,
        avgDurationSeconds: 90,
        avgMos: 3.5,
      });
      const byConn = Object.fromEntries(
        res.json.byConnection.map((r: { connectionId: string }) => [r.connectionId, r]),
      );
      expect(byConn[h.trunk.id]).toMatchObject({
        calls: 3,
        answered: 1,
        avgDurationSeconds: 60,
        avgMos: 4,
        connectionName: h.trunk.name,
      });
      expect(byConn[second.trunk.id]).toMatchObject({
        calls: 2,
        answered: 1,
        answerRate: 0.5,
        avgDurationSeconds: 120,
        avgMos: 3,
      });
      const byNum = Object.fromEntries(res.json.byNumber.map((r: { number: string }) => [r.number, r]));
      expect(byNum[h.number.number]).toMatchObject({ phoneNumberId: h.number.id, calls: 3, answered: 1 });
      expect(byNum[second.number.number]).toMatchObject({ phoneNumberId: second.number.id, calls: 2 });
      const empty = await ch.get('/api/calls/stats?from=2020-01-01&to=2020-01-02');
      expect(empty.json).toMatchObject({
        totals: { calls: 0, answered: 0, answerRate: null, avgDurationSeconds: null, avgMos: null },
        byConnection: [],
        byNumber: [],
      });
    });
  });

  it('answers bad input with a clear 4xx, never a 500, and writes nothing', async () => {
    const calls = await countCalls();
    const { id } = await startOutbound(ca, a);
    const start = {
      connectionId: a.trunk.id,
      callerNumber: a.number.number,
      remoteNumber: '+14155550123',
      direction: 'outbound',
    };
    const bad: [string, string, unknown, RegExp | null][] = [
      ['POST', '/api/calls', '{"connectionId":', /not valid JSON/],
      ['POST', '/api/calls', { ...start, extra: 1 }, null],
      ['POST', '/api/calls', { ...start, direction: 'sideways' }, /direction/],
      ['POST', '/api/calls', { ...start, callerNumber: '3125550100' }, /E\.164/],
      ['POST', '/api/calls', { ...start, callerNumber: 12 }, null],
      ['POST', '/api/calls', { ...start, callerNumber: undefined }, /caller ID/],
      ['POST', '/api/calls', { ...start, remoteNumber: '' }, /remoteNumber/],
      ['POST', '/api/calls', { ...start, remoteNumber: 'sip:evil@x' }, /dialled number/],
      ['POST', '/api/calls', { ...start, remoteNumber: 'x'.repeat(500) }, /too long/],
      ['POST', '/api/calls', { ...start, connectionId: "' or 1=1 --" }, /connectionId/],
      ['POST', '/api/calls', { ...start, remoteNumber: 'a\u0000b', direction: 'inbound' }, /control/],
      ['POST', '/api/calls', [], null],
      ['POST', '/api/calls', { ...start, sipCallId: 'x'.repeat(70_000) }, null],
      ['PATCH', `/api/calls/${id}`, { outcome: 'exploded' }, /outcome/],
      ['PATCH', `/api/calls/${id}`, { outcome: 'abandoned' }, /server only/],
      ['PATCH', `/api/calls/${id}`, { answeredAt: 'yesterday' }, /answeredAt/],
      ['PATCH', `/api/calls/${id}`, { answeredAt: '2026-11-24T10:00:00' }, /time zone/],
      ['PATCH', `/api/calls/${id}`, { answeredAt: '2026-02-30T10:00:00Z' }, /answeredAt/],
      [
        'PATCH',
        `/api/calls/${id}`,
        { answeredAt: '2026-11-24T10:00:10Z', endedAt: '2026-11-24T10:00:00Z', outcome: 'answered' },
        /before answeredAt/,
      ],
      ['PATCH', `/api/calls/${id}`, { outcome: 'answered' }, /needs answeredAt/],
      ['PATCH', `/api/calls/${id}`, { endedAt: '2026-11-24T10:00:00Z' }, /final outcome/],
      ['PATCH', `/api/calls/${id}`, { sipCode: 999 }, /SIP status code/],
      ['PATCH', `/api/calls/${id}`, { sipCode: 200.5 }, /whole number/],
      ['PATCH', `/api/calls/${id}`, { quality: { mos: 7 } }, /mos/],
      ['PATCH', `/api/calls/${id}`, { quality: { jitterMs: -1 } }, /negative/],
      ['PATCH', `/api/calls/${id}`, { quality: { mos: '4' } }, /number/],
      ['PATCH', `/api/calls/${id}`, { quality: { mos: 4, cpu: 1 } }, null],
      ['PATCH', `/api/calls/${id}`, { hangupCause: 'x'.repeat(300) }, /too long/],
      ['PATCH', '/api/calls/%00', { outcome: 'failed' }, null],
      ['GET', '/api/calls?pageSize=500', undefined, /at most 200/],
      ['GET', '/api/calls?pageSize=0', undefined, /at least 1/],
      ['GET', '/api/calls?page=abc', undefined, /page/],
      ['GET', '/api/calls?page=1.5', undefined, /whole number/],
      ['GET', '/api/calls?from=2026-13-01', undefined, /from must be an ISO date/],
      ['GET', '/api/calls?from=2026-11-05&to=2026-11-01', undefined, /before/],
      ['GET', '/api/calls?direction=up', undefined, /direction/],
      ['GET', '/api/calls?outcome=x', undefined, /outcome/],
      ['GET', '/api/calls?sort=evil', undefined, null],
      ['GET', '/api/calls?q=' + '1'.repeat(100), undefined, /too long/],
      ['GET', '/api/calls?userId=%27%20or%201%3D1', undefined, /userId/],
      ['GET', '/api/calls?direction=inbound&direction=outbound', undefined, null],
      ['GET', '/api/calls/stats?from=nope', undefined, /from/],
      ['GET', '/api/calls/stats?connectionId=x', undefined, null],
    ];
    for (const [method, path, body, message] of bad) {
      const res = await ca.request(
        method,
        path,
        body,
        typeof body === 'string' ? { 'content-type': 'application/json' } : {},
      );
      const what = `${method} ${path} ${JSON.stringify(body)?.slice(0, 80)} -> ${res.status} ${res.text.slice(0, 200)}`;
      expect(res.status, what).toBeGreaterThanOrEqual(400);
      expect(res.status, what).toBeLessThan(500);
      expect(res.json.error.message, what).toBeTruthy();
      if (message) expect(res.json.error.message, what).toMatch(message);
    }
    expect(await countCalls()).toBe(calls + 1);
    expect((await ca.get(`/api/calls/${id}`)).json).toMatchObject({
      outcome: 'in_progress',
      answeredAt: null,
      sipCode: null,
      quality: null,
    });
    // Without a session nothing answers.
    expect((await t.anonymous().get('/api/calls')).status).toBe(401);
    expect((await t.anonymous().post('/api/calls', start)).status).toBe(401);
  });
});
