/**
 * /api/analytics on a known set of calls whose KPIs were computed by hand (see the table in each test),
 * on SQLite and PostgreSQL, and the scope rules: an agent never sees another agent's calls.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type Client, type TestApp } from '../support/app.js';
import { DATABASE_KINDS } from '../support/databases.js';
import { addCall, type CallSpec } from '../support/call-fixtures.js';
import { addNumber, addTrunk, addUser, assign, PASSWORD } from '../support/dialer-fixtures.js';

const DAY = '2026-11-02'; // a Monday
const utc = (time: string) => `${DAY}T${time}Z`;

describe.each(DATABASE_KINDS)('analytics (%s)', (kind) => {
  let t: TestApp;
  let ca: Client;
  let cb: Client;
  let cadmin: Client;
  let ids: { a: string; b: string; t1: string; t2: string; tb: string; n1: string; n2: string };

  beforeAll(async () => {
    t = await startTestApp(kind, { env: { LOGIN_RATE_LIMIT: '1000' } });
    const s = t.services;
    const a = await addUser(s, { name: 'Agent A' });
    const b = await addUser(s, { name: 'Agent B' });
    const admin = await addUser(s, { role: 'admin' });
    const t1 = await addTrunk(s, a.id, { name: 'Trunk one', channel_limit: 2 });
    const t2 = await addTrunk(s, a.id, { name: 'Trunk two', channel_limit: 10 });
    const tb = await addTrunk(s, b.id, { name: 'Trunk B' });
    const n1 = await addNumber(s, { number: '+13125550001' });
    const n2 = await addNumber(s, { number: '+13125550002' });
    const nb = await addNumber(s, { number: '+13125550003' });
    await assign(s, t1.id, n1.id, 'primary');
    await assign(s, t2.id, n2.id, 'primary');
    await assign(s, tb.id, nb.id, 'primary');
    ids = { a: a.id, b: b.id, t1: t1.id, t2: t2.id, tb: tb.id, n1: n1.id, n2: n2.id };
    const one = { userId: a.id, trunkId: t1.id, numberId: n1.id };
    const two = { userId: a.id, trunkId: t2.id, numberId: n2.id };
    const calls: CallSpec[] = [
      // 1-3 overlap on trunk one: peak 3 concurrent at 10:01:00
      {
        ...one,
        start: utc('10:00:00.000'),
        remote: '+13125550101',
        outcome: 'answered',
        pddMs: 800,
        answerMs: 5000,
        endMs: 65_000,
        mos: 4.5,
        jitter: 10,
        loss: 0.5,
      },
      {
        ...one,
        start: utc('10:00:30.000'),
        remote: '+14165550100',
        outcome: 'answered',
        pddMs: 1200,
        answerMs: 10_000,
        endMs: 130_000,
        mos: 4.0,
        jitter: 20,
        loss: 1,
      },
      {
        ...one,
        start: utc('10:01:00.000'),
        remote: '+442071838750',
        outcome: 'busy',
        sip: 486,
        pddMs: 500,
        endMs: 2000,
      },
      {
        ...one,
        start: utc('11:00:00.000'),
        remote: '+13125550102',
        outcome: 'failed',
        sip: 503,
        endMs: 1000,
      },
      {
        ...one,
        start: utc('11:30:00.000'),
        remote: '+13125550103',
        outcome: 'cancelled',
        sip: 487,
        pddMs: 2000,
        endMs: 20_000,
      },
      {
        ...one,
        start: utc('12:00:00.000'),
        remote: '+13125550105',
        outcome: 'failed',
        sip: 480,
        pddMs: 3000,
        endMs: 30_000,
      },
      {
        ...one,
        start: utc('12:15:00.000'),
        remote: '+4915112345678',
        outcome: 'failed',
        sip: 404,
        endMs: 1000,
      },
      {
        ...two,
        start: utc('13:00:00.000'),
        remote: '+13125550104',
        outcome: 'answered',
        pddMs: 1000,
        answerMs: 10_000,
        endMs: 40_000,
        mos: 3.0,
        jitter: 40,
        loss: 5,
      },
      {
        ...two,
        start: utc('13:30:00.000'),
        remote: '+33612345678',
        outcome: 'rejected',
        sip: 603,
        pddMs: 600,
        endMs: 5000,
      },
      { ...one, start: utc('14:00:00.000'), remote: '+13125550106', outcome: 'in_progress', endMs: 0 },
      {
        ...one,
        start: utc('15:00:00.000'),
        remote: '+13125559999',
        outcome: 'answered',
        direction: 'inbound',
        answerMs: 3000,
        endMs: 63_000,
        mos: 3.5,
        jitter: 30,
        loss: 2,
      },
      // the next UTC day, but still 2 Nov in Los Angeles (UTC-8)
      {
        ...one,
        start: '2026-11-03T06:00:00.000Z',
        remote: '+13125550107',
        outcome: 'failed',
        sip: 503,
        endMs: 1000,
      },
      // agent B: never visible to A
      {
        userId: b.id,
        trunkId: tb.id,
        numberId: nb.id,
        start: utc('10:00:00.000'),
        remote: '+13125550201',
        outcome: 'answered',
        answerMs: 1000,
        endMs: 601_000,
        mos: 1.5,
      },
      {
        userId: b.id,
        trunkId: tb.id,
        numberId: nb.id,
        start: utc('10:30:00.000'),
        remote: '+13125550202',
        outcome: 'failed',
        sip: 500,
        endMs: 1000,
      },
    ];
    for (const c of calls) await addCall(s, c);
    ca = await t.login(a.email, PASSWORD);
    cb = await t.login(b.email, PASSWORD);
    cadmin = await t.login(admin.email, PASSWORD);
  });
  afterAll(() => t.close());

  const range = `from=${DAY}&to=${DAY}&tz=UTC`;

  it('computes ASR, NER, ACD, PDD, MOS, jitter, loss, minutes and peak concurrency per connection', async () => {
    const res = await ca.get(`/api/analytics/kpis?${range}&by=connection`);
    expect(res.status).toBe(200);
    // Trunk one: 8 finished attempts (1-7, 11); answered 1, 2, 11; completed + busy 3, cancelled-after-ringing 5, 480 on 6.
    expect(res.json.rows).toEqual([
      {
        key: ids.t1,
        name: 'Trunk one',
        calls: 8,
        answered: 3,
        asr: 3 / 8,
        ner: 6 / 8,
        acdSeconds: 80, // (60 + 120 + 60) / 3
        minutesUsed: 4,
        pddMsMedian: 1200, // 500 800 1200 2000 3000: rank 3
        pddMsP90: 3000, // rank ⌈4.5⌉ = 5
        mosAvg: 4, // (4.5 + 4.0 + 3.5) / 3
        jitterMsP95: 30,
        packetLossPctP95: 2,
        peakConcurrent: 3,
        channelLimit: 2,
      },
      {
        key: ids.t2,
        name: 'Trunk two',
        calls: 2,
        answered: 1,
        asr: 0.5,
        ner: 1,
        acdSeconds: 30,
        minutesUsed: 0.5,
        pddMsMedian: 600, // 600 1000: rank 1
        pddMsP90: 1000, // rank ⌈1.8⌉ = 2
        mosAvg: 3,
        jitterMsP95: 40,
        packetLossPctP95: 5,
        peakConcurrent: 1,
        channelLimit: 10,
      },
    ]);
    expect(res.json.totals).toMatchObject({
      calls: 10,
      answered: 4,
      asr: 0.4,
      ner: 0.8,
      acdSeconds: 67.5, // 270 / 4
      minutesUsed: 4.5,
      pddMsMedian: 1000, // 500 600 800 1000 1200 2000 3000: rank 4
      pddMsP90: 3000,
      mosAvg: 3.75,
      jitterMsP95: 40,
      packetLossPctP95: 5,
    });
    expect(res.json).toMatchObject({ from: DAY, to: DAY, timeZone: 'UTC', by: 'connection' });
  });

  it('groups by number and filters by direction and connection', async () => {
    const byNumber = await ca.get(`/api/analytics/kpis?${range}&by=number`);
    expect(byNumber.json.rows.map((r: { name: string; calls: number }) => [r.name, r.calls])).toEqual([
      ['+13125550001', 8],
      ['+13125550002', 2],
    ]);
    expect(byNumber.json.rows[0].peakConcurrent).toBeNull();
    const outbound = await ca.get(`/api/analytics/kpis?${range}&by=total&direction=outbound`);
    expect(outbound.json.rows).toHaveLength(1);
    expect(outbound.json.totals).toMatchObject({ calls: 9, answered: 3, asr: 3 / 9, ner: 7 / 9 });
    const trunkTwo = await ca.get(`/api/analytics/kpis?${range}&connectionId=${ids.t2}`);
    expect(trunkTwo.json.totals).toMatchObject({ calls: 2, answered: 1 });
    const numberTwo = await ca.get(`/api/analytics/kpis?${range}&by=number&phoneNumberId=${ids.n2}`);
    expect(numberTwo.json.rows.map((r: { name: string }) => r.name)).toEqual(['+13125550002']);
    expect(numberTwo.json.totals).toMatchObject({ calls: 2, answered: 1 });
  });

  it("pages and sorts the KPI table on the server, each page with its own rows' percentiles", async () => {
    type Row = { name: string; calls: number; asr: number; pddMsMedian: number | null };
    const whole = await ca.get(`/api/analytics/kpis?${range}&by=number`);
    expect(whole.json).toMatchObject({
      total: 2,
      page: 1,
      pageSize: 50,
      sort: { field: 'calls', direction: 'desc' },
    });
    const first = await ca.get(`/api/analytics/kpis?${range}&by=number&pageSize=1`);
    const second = await ca.get(`/api/analytics/kpis?${range}&by=number&pageSize=1&page=2`);
    expect(first.json).toMatchObject({ total: 2, page: 1, pageSize: 1 });
    expect(second.json).toMatchObject({ total: 2, page: 2, pageSize: 1 });
    expect([...first.json.rows, ...second.json.rows]).toEqual(whole.json.rows);
    expect(first.json.totals).toEqual(whole.json.totals);
    const past = await ca.get(`/api/analytics/kpis?${range}&by=number&pageSize=1&page=3`);
    expect(past.json).toMatchObject({ rows: [], total: 2 });
    const byAsr = await ca.get(`/api/analytics/kpis?${range}&by=number&sort=asr`);
    const asr = (byAsr.json.rows as Row[]).map((r) => r.asr);
    expect(asr).toEqual([...asr].sort((a, b) => a - b));
    expect(asr[0]).toBeLessThan(asr[1]!);
    const byName = await ca.get(`/api/analytics/kpis?${range}&by=number&sort=-name`);
    expect((byName.json.rows as Row[]).map((r) => r.name)).toEqual(['+13125550002', '+13125550001']);
    expect((await ca.get(`/api/analytics/kpis?${range}&sort=pddMsMedian`)).status).toBe(400);
    expect((await ca.get(`/api/analytics/kpis?${range}&pageSize=501`)).status).toBe(400);
  });

  it("offers as filter choices an agent's own connections and their numbers; an admin everyone's", async () => {
    const labels = (list: { label: string }[]) => list.map((o) => o.label);
    const agent = await ca.get('/api/analytics/filters');
    expect(agent.status).toBe(200);
    expect(labels(agent.json.connections)).toEqual(['Trunk one', 'Trunk two']);
    expect(labels(agent.json.numbers)).toEqual(['+13125550001', '+13125550002']);
    expect(agent.json.agents).toEqual([]);
    const other = await cb.get('/api/analytics/filters');
    expect(labels(other.json.connections)).toEqual(['Trunk B']);
    expect(labels(other.json.numbers)).toEqual(['+13125550003']);
    const admin = await cadmin.get('/api/analytics/filters');
    expect(labels(admin.json.connections)).toEqual(expect.arrayContaining(['Trunk B', 'Trunk one']));
    expect(labels(admin.json.numbers)).toHaveLength(3);
    expect(admin.json.agents).toEqual(
      expect.arrayContaining([
        { id: ids.a, label: 'Agent A' },
        { id: ids.b, label: 'Agent B' },
      ]),
    );
    expect((await t.anonymous().get('/api/analytics/filters')).status).toBe(401);
  });

  it("counts local days in the viewer's time zone", async () => {
    const la = await ca.get(`/api/analytics/kpis?from=${DAY}&to=${DAY}&tz=America/Los_Angeles&by=total`);
    expect(la.json.totals.calls).toBe(11); // the 06:00Z call of 3 Nov is 22:00 on 2 Nov there
    const days = await ca.get(`/api/analytics/trends?from=2026-11-01&to=2026-11-03&tz=UTC&bucket=day`);
    expect(days.json.points.map((p: { bucket: string; calls: number }) => [p.bucket, p.calls])).toEqual([
      ['2026-11-01', 0],
      ['2026-11-02', 10],
      ['2026-11-03', 1],
    ]);
    expect(days.json.points[1]).toMatchObject({
      answered: 4,
      asr: 0.4,
      ner: 0.8,
      acdSeconds: 67.5,
      mosAvg: 3.75,
    });
    const weeks = await ca.get(`/api/analytics/trends?from=2026-11-01&to=2026-11-03&tz=UTC&bucket=week`);
    expect(weeks.json.points.map((p: { bucket: string; calls: number }) => [p.bucket, p.calls])).toEqual([
      ['2026-10-26', 0],
      ['2026-11-02', 11],
    ]);
  });

  it("fills the weekday × hour heatmap in the viewer's zone, half-hour offsets included", async () => {
    const cells = async (tz: string) => {
      const res = await ca.get(`/api/analytics/heatmap?from=${DAY}&to=${DAY}&tz=${tz}`);
      expect(res.json.cells).toHaveLength(168);
      return res.json.cells
        .filter((c: { calls: number }) => c.calls > 0)
        .map((c: { weekday: number; hour: number; calls: number }) => [c.weekday, c.hour, c.calls]);
    };
    expect(await cells('UTC')).toEqual([
      [0, 10, 3],
      [0, 11, 2],
      [0, 12, 2],
      [0, 13, 2],
      [0, 15, 1],
    ]);
    // UTC+5:30: 10:00Z -> 15:30, 11:30Z -> 17:00, 12:15Z -> 17:45, 13:30Z -> 19:00
    expect(await cells('Asia/Kolkata')).toEqual([
      [0, 15, 3],
      [0, 16, 1],
      [0, 17, 3],
      [0, 18, 1],
      [0, 19, 1],
      [0, 20, 1],
    ]);
  });

  it('lists destination countries, MOS bands and failure causes', async () => {
    const dest = await ca.get(`/api/analytics/destinations?${range}`);
    expect(dest.json.rows.map((r: { country: string; calls: number }) => [r.country, r.calls])).toEqual([
      ['US', 5],
      ['CA', 1],
      ['DE', 1],
      ['FR', 1],
      ['GB', 1],
    ]);
    expect(dest.json.rows[0]).toMatchObject({ answered: 2, asr: 0.4, minutesUsed: 1.5 });
    const quality = await ca.get(`/api/analytics/quality?${range}`);
    expect(quality.json).toMatchObject({
      measuredCalls: 4,
      mosAvg: 3.75,
      jitterMsP95: 40,
      packetLossPctP95: 5,
    });
    expect(quality.json.bands.map((b: { band: string; calls: number }) => [b.band, b.calls])).toEqual([
      ['excellent', 1],
      ['good', 1],
      ['fair', 0],
      ['poor', 1],
      ['bad', 1],
    ]);
    const failures = await ca.get(`/api/analytics/failures?${range}`);
    expect(
      failures.json.rows.map((r: { sipCode: number; outcome: string; ending: string; calls: number }) => [
        r.sipCode,
        r.outcome,
        r.ending,
        r.calls,
      ]),
    ).toEqual([
      [404, 'failed', 'not_completed', 1],
      [480, 'failed', 'no_answer', 1],
      [486, 'busy', 'busy', 1],
      [487, 'cancelled', 'caller_cancelled', 1],
      [503, 'failed', 'not_completed', 1],
      [603, 'rejected', 'rejected', 1],
    ]);
    expect(failures.json.rows[0].reason).toBe('Not Found');
  });

  it("never shows an agent another agent's calls; admins choose whose", async () => {
    const own = await cb.get(`/api/analytics/kpis?${range}&by=agent`);
    expect(own.json.rows).toEqual([expect.objectContaining({ key: ids.b, name: 'Agent B', calls: 2 })]);
    const sneaky = await cb.get(`/api/analytics/kpis?${range}&connectionId=${ids.t1}`);
    expect(sneaky.json.totals.calls).toBe(0);
    for (const path of ['kpis', 'trends', 'heatmap', 'destinations', 'quality', 'failures']) {
      const res = await cb.get(`/api/analytics/${path}?${range}&userId=${ids.a}`);
      expect(res.status).toBe(403);
      expect(res.json.error.code).toBeTruthy();
      expect((await cb.get(`/api/analytics/${path}?${range}&userId=all`)).status).toBe(403);
    }
    const mine = await cadmin.get(`/api/analytics/kpis?${range}&by=agent`);
    expect(mine.json.rows).toEqual([]);
    const everyone = await cadmin.get(`/api/analytics/kpis?${range}&by=agent&userId=all`);
    expect(everyone.json.rows.map((r: { name: string; calls: number }) => [r.name, r.calls])).toEqual([
      ['Agent A', 10],
      ['Agent B', 2],
    ]);
    const oneAgent = await cadmin.get(`/api/analytics/kpis?${range}&by=total&userId=${ids.b}`);
    expect(oneAgent.json.totals).toMatchObject({ calls: 2, answered: 1, mosAvg: 1.5 });
  });

  it('refuses an unknown time zone, a reversed range and anonymous callers', async () => {
    const tz = await ca.get(`/api/analytics/kpis?from=${DAY}&to=${DAY}&tz=Mars/Olympus`);
    expect(tz.status).toBe(400);
    expect(tz.json.error.message).toContain('IANA time zone');
    expect((await ca.get('/api/analytics/trends?from=2026-11-03&to=2026-11-01')).status).toBe(400);
    expect((await ca.get('/api/analytics/kpis?from=2020-01-01&to=2026-11-01')).status).toBe(400);
    expect((await t.anonymous().get('/api/analytics/kpis')).status).toBe(401);
  });
});
