/**
 * The analytics roll-ups (0015) against the raw queries they replace: on a generated set of calls, every
 * answer of the analytics service read from the roll-ups equals the one read straight from the calls,
 * for every endpoint, grouping, filter and several time zones (UTC, +5:45 and +13:45/+12:45), on
 * SQLite and PostgreSQL; again after calls end, are swept as abandoned and get a late final report
 * (the roll-ups replace a call's contribution); and a rebuild from scratch gives the same rows as the
 * incremental upkeep, and so does the bulk rebuild of a large history. A call write only appends its contribution (call_rollup_pending, 0020) and the
 * rollup-fold job adds them to the roll-ups later: the answers are the same before the fold (the reads
 * add what waits), after it, after a second fold, and after folds run at once by two instances. The generated PDD, jitter and loss have two significant digits, where the
 * roll-ups' percentiles are exact (src/shared/kpi.ts, valueBucket).
 */
import { sql, type Kysely } from 'kysely';
import pMap from 'p-map';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { valueBucket } from '../../src/shared/kpi.js';
import type { CallRow } from '../../src/server/db/schema.js';
import { RawAnalyticsRepository } from '../../src/server/repositories/analytics-raw-repository.js';
import {
  AnalyticsRepository,
  bucketRanges,
  levelFor,
} from '../../src/server/repositories/analytics-repository.js';
import * as levelsWithoutAgent from '../../src/server/db/migrations/0023_rollup_levels_without_agent.js';
import * as rollupWeeks from '../../src/server/db/migrations/0025_rollup_weeks.js';
import { openDatabase } from '../../src/server/db/database.js';
import { rebuildRollups, ROLLUP_TABLES } from '../../src/server/repositories/analytics-rollups.js';
import {
  mondayOnOrAfter,
  mondayOnOrBefore,
  weekBucket,
  weekBucketSql,
} from '../../src/server/repositories/analytics-rollup-weeks.js';
import { rebuildRollupsInBulk } from '../../src/server/repositories/analytics-rollup-rebuild.js';
import { foldPending } from '../../src/server/repositories/analytics-rollup-pending.js';
import { CallRepository } from '../../src/server/repositories/call-repository.js';
import { AnalyticsService } from '../../src/server/services/analytics-service.js';
import type { Actor } from '../../src/server/services/call-service.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { DATABASE_KINDS } from '../support/databases.js';
import { addNumber, addTrunk, addUser, assign } from '../support/dialer-fixtures.js';

const FROM = '2026-10-20';
const TO = '2026-10-31';
const NOW = new Date('2026-11-01T12:00:00.000Z');

/** A small deterministic generator (mulberry32), so a failure can be replayed. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ENDINGS: { outcome: string; sip: number | null; answered: boolean }[] = [
  { outcome: 'answered', sip: 200, answered: true },
  { outcome: 'busy', sip: 486, answered: false },
  { outcome: 'no_answer', sip: 480, answered: false },
  { outcome: 'rejected', sip: 603, answered: false },
  { outcome: 'cancelled', sip: 487, answered: false },
  { outcome: 'failed', sip: 503, answered: false },
  { outcome: 'failed', sip: 404, answered: false },
  { outcome: 'failed', sip: null, answered: false },
  { outcome: 'abandoned', sip: null, answered: true },
  { outcome: 'in_progress', sip: null, answered: false },
];
const REMOTES = ['+13125550', '+14165550', '+44207183', '+49301234', '+33612345', '+52551234'];

// Hundreds of questions asked twice each: more than the default 30 s on a busy machine.
describe.each(DATABASE_KINDS)('analytics roll-ups (%s)', { timeout: 180_000 }, (kind) => {
  let t: TestApp;
  let rollups: AnalyticsService;
  let raw: AnalyticsService;
  let admin: Actor;
  let agents: Actor[];
  let trunkIds: string[];
  let numberIds: string[];
  let calls: CallRepository;
  const rows: CallRow[] = [];

  beforeAll(async () => {
    t = await startTestApp(kind);
    const s = t.services;
    const clock = { now: () => NOW };
    rollups = new AnalyticsService(new AnalyticsRepository(s.db), clock);
    raw = new AnalyticsService(new RawAnalyticsRepository(s.db), clock);
    calls = new CallRepository(s.db);
    const a = await addUser(s, { name: 'Agent A' });
    const b = await addUser(s, { name: 'Agent B' });
    const adm = await addUser(s, { role: 'admin' });
    admin = { id: adm.id, role: 'admin' };
    agents = [
      { id: a.id, role: 'agent' },
      { id: b.id, role: 'agent' },
    ];
    const trunks = [
      await addTrunk(s, a.id, { name: 'A one', channel_limit: 3 }),
      await addTrunk(s, a.id, { name: 'A two' }),
      await addTrunk(s, b.id, { name: 'B one', channel_limit: 5 }),
    ];
    trunkIds = trunks.map((x) => x.id);
    const numbers = [];
    for (let i = 0; i < 5; i++) numbers.push(await addNumber(s, { number: `+1312555010${i}` }));
    numberIds = numbers.map((n) => n.id);
    // numbers 0, 1 on A one; 2 on A two; 3, 4 on B one
    const numberTrunk = [0, 0, 1, 2, 2];
    for (let i = 0; i < 5; i++) {
      const first = numberTrunk.indexOf(numberTrunk[i]!) === i;
      await assign(s, trunkIds[numberTrunk[i]!]!, numberIds[i]!, first ? 'primary' : 'secondary');
    }

    const rnd = prng(12);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(rnd() * list.length)]!;
    const from = Date.parse(`${FROM}T00:00:00.000Z`) - 86_400_000; // some before the range
    for (let i = 0; i < 400; i++) {
      const n = Math.floor(rnd() * 5);
      const trunk = numberTrunk[n]!;
      const user = trunk === 2 ? b.id : a.id;
      // Clustered starts (overlaps for the peak), on slot edges now and then.
      const start =
        from + Math.floor(rnd() * 13 * 96) * 900_000 + (rnd() < 0.2 ? 0 : Math.floor(rnd() * 3_600_000));
      const e = pick(ENDINGS);
      const inbound = rnd() < 0.25;
      const rang = e.answered || e.outcome === 'busy' || e.outcome === 'no_answer' || rnd() < 0.5;
      const pdd = rang && !inbound ? valueBucket(100 + Math.floor(rnd() * 6000)) : null;
      const answerAt = e.answered ? start + (pdd ?? 0) + 1000 + Math.floor(rnd() * 20_000) : null;
      const end = (answerAt ?? start + (pdd ?? 0)) + Math.floor(rnd() * 600_000);
      const quality = e.answered && rnd() < 0.85;
      const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
      const final = e.outcome !== 'in_progress';
      rows.push({
        id: crypto.randomUUID(),
        user_id: user,
        trunk_id: trunkIds[trunk]!,
        // an inbound call to a number not (or no longer) ours has none
        phone_number_id: inbound && rnd() < 0.2 ? null : numberIds[n]!,
        caller_number: null,
        remote_number: `${pick(REMOTES)}${String(Math.floor(rnd() * 10000)).padStart(4, '0')}`,
        direction: inbound ? 'inbound' : 'outbound',
        outcome: e.outcome,
        hangup_cause: null,
        sip_code: e.sip,
        sip_call_id: null,
        started_at: iso(start)!,
        answered_at: iso(answerAt),
        ended_at: final ? iso(end) : null,
        duration_seconds: final && answerAt !== null ? Math.round((end - answerAt) / 1000) : null,
        mos: quality ? Math.round((1 + rnd() * 3.5) * 4) / 4 : null,
        jitter_ms: quality ? Math.floor(rnd() * 99) : null,
        packet_loss_pct: quality ? Math.floor(rnd() * 20) / 2 : null,
        rtt_ms: null,
        invite_at: inbound ? null : iso(start),
        progress_at: pdd === null ? null : iso(start + pdd),
        ended_by: null,
        interruptions: 0,
        interrupted_at: null,
        recovered_after_ms: null,
        caller_verification: null,
        is_emergency: 0,
        retry_of_call_id: null,
        last_seen_at: iso(final ? end : start)!,
        created_at: iso(start)!,
        updated_at: iso(start)!,
      });
    }
    // Half one by one, half in batches (the demo seed's way).
    for (const row of rows.slice(0, 200)) await calls.insert(row);
    for (let i = 200; i < rows.length; i += 50) await calls.insertMany(rows.slice(i, i + 50));
  });
  afterAll(() => t?.close());

  /** Every question the page (and the CLI) asks, over the scopes and filters. */
  function questions() {
    const zones = ['UTC', 'Asia/Kathmandu', 'Pacific/Chatham'];
    const filters: Record<string, string | undefined>[] = [
      {},
      { connectionId: trunkIds[0] },
      { connectionId: trunkIds[2] },
      { phoneNumberId: numberIds[1] },
      { direction: 'inbound' },
      { direction: 'outbound', connectionId: trunkIds[1] },
    ];
    const out: { actor: Actor; q: Record<string, string | undefined> }[] = [];
    for (const tz of zones) {
      for (const f of filters) {
        out.push({ actor: admin, q: { from: FROM, to: TO, tz, userId: 'all', ...f } });
        out.push({ actor: agents[0]!, q: { from: FROM, to: TO, tz, ...f } });
      }
      out.push({ actor: admin, q: { from: FROM, to: FROM, tz, userId: agents[1]!.id } }); // one day
      out.push({ actor: admin, q: { from: '2026-10-25', to: '2026-10-27', tz, userId: 'all' } });
      // A whole UTC week (Monday 19 to Monday 26) and days after it, read from week rows.
      out.push({ actor: admin, q: { from: '2026-10-19', to: '2026-10-30', tz, userId: 'all' } });
    }
    return out;
  }

  /** Row order among equal counts is a tie-break only: both lists sorted by count, then key. */
  const byCountThenKey = <R extends { calls: number; key: string | null }>(list: R[]) =>
    [...list].sort((x, y) => y.calls - x.calls || (x.key ?? '').localeCompare(y.key ?? ''));

  /**
   * Asks every question of both services and compares. Four questions at a time: on PostgreSQL most of
   * the time is round trips (the file took over two minutes asked one by one); SQLite answers in turn.
   */
  async function expectSameAnswers(list = questions()): Promise<void> {
    let compared = 0;
    await pMap(
      list,
      async ({ actor, q }) => {
        const base = q as never;
        for (const by of ['connection', 'number', 'agent', 'total'] as const) {
          const [r, w] = await Promise.all([
            rollups.kpis(actor, { ...(q as object), by } as never),
            raw.kpis(actor, { ...(q as object), by } as never),
          ]);
          expect({ ...r, rows: byCountThenKey(r.rows) }, `${by} ${JSON.stringify(q)}`).toEqual({
            ...w,
            rows: byCountThenKey(w.rows),
          });
          compared++;
        }
        // A later page of the numbers in another order: the percentiles of that page's rows only.
        const page = { by: 'number', pageSize: 2, page: 2, sort: { field: 'asr', direction: 'asc' } };
        expect(await rollups.kpis(actor, { ...(q as object), ...page } as never)).toEqual(
          await raw.kpis(actor, { ...(q as object), ...page } as never),
        );
        for (const bucket of ['day', 'week'] as const) {
          expect(await rollups.trends(actor, { ...(q as object), bucket } as never)).toEqual(
            await raw.trends(actor, { ...(q as object), bucket } as never),
          );
        }
        expect(await rollups.heatmap(actor, base)).toEqual(await raw.heatmap(actor, base));
        expect(await rollups.destinations(actor, base)).toEqual(await raw.destinations(actor, base));
        expect(await rollups.quality(actor, base)).toEqual(await raw.quality(actor, base));
        expect(await rollups.failures(actor, base)).toEqual(await raw.failures(actor, base));
        compared += 6;
      },
      { concurrency: 4 },
    );
    expect(list.length).toBeGreaterThan(5);
    expect(compared).toBe(list.length * 10);
  }

  async function rollupRows(): Promise<Record<string, string[]>> {
    const out: Record<string, string[]> = {};
    for (const table of ROLLUP_TABLES) {
      const r = await sql<Record<string, unknown>>`select * from ${sql.id(table)}`.execute(t.services.db);
      out[table] = r.rows
        .filter((row) => Number(row.attempts ?? row.calls) !== 0 && row.span !== 'l')
        .map((row) =>
          JSON.stringify(
            Object.fromEntries(
              Object.entries(row).map(([k, v]) => [
                k,
                typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v,
              ]),
            ),
          ),
        )
        .sort();
    }
    return out;
  }

  /** The secondary indexes of the roll-up tables, which the bulk rebuild drops and builds again. */
  async function indexNames(): Promise<string[]> {
    const tables = sql.join(ROLLUP_TABLES.map((x) => sql.lit(x)));
    const r =
      kind === 'sqlite'
        ? await sql<{ name: string }>`select name from sqlite_master where type = 'index'
            and tbl_name in (${tables}) and sql is not null order by name`.execute(t.services.db)
        : await sql<{ name: string }>`select indexname as name from pg_indexes
            where tablename in (${tables}) order by indexname`.execute(t.services.db);
    return r.rows.map((x) => x.name);
  }

  const waiting = async (): Promise<number> =>
    Number(
      (
        await sql<{ n: number | string }>`select count(*) as n from call_rollup_pending`.execute(
          t.services.db,
        )
      ).rows[0]!.n,
    );

  it('answers every question as the raw queries do, on a generated set of calls', async () => {
    // Nothing folded yet: the first answers come from the contributions still waiting only.
    expect(await waiting()).toBeGreaterThan(250);
    const totals = await rollups.kpis(admin, { from: FROM, to: TO, tz: 'UTC', userId: 'all', by: 'total' });
    expect(totals.totals.calls).toBeGreaterThan(250); // the set is in the range, not beside it
    const perConnection = await rollups.kpis(admin, {
      from: FROM,
      to: TO,
      tz: 'UTC',
      userId: 'all',
      by: 'connection',
    });
    expect(Math.max(...perConnection.rows.map((r) => r.peakConcurrent ?? 0))).toBeGreaterThanOrEqual(2);
    // The admin's questions in UTC from the waiting contributions alone,
    await expectSameAnswers(questions().filter((x) => x.actor === admin && x.q.tz === 'UTC'));
    // then every question with three quarters folded and the rest waiting, as a read finds them between two
    // folds: each answer adds both. (Every read costs in proportion to what waits; with all 400 waiting
    // the whole set took 25 s on SQLite, where the job keeps a handful waiting.)
    const all = await waiting();
    await foldPending(t.services.db, Math.floor((all * 3) / 4));
    expect(await waiting()).toBeGreaterThan(80);
    await expectSameAnswers();
  });

  it('answers the same once the contributions are folded, and again after a second fold', async () => {
    const before = await waiting();
    expect(await new AnalyticsRepository(t.services.db).foldPending()).toBe(before);
    expect(await waiting()).toBe(0);
    await expectSameAnswers();
    expect(await new AnalyticsRepository(t.services.db).foldPending()).toBe(0);
    await expectSameAnswers();
  });

  it('follows the calls as they end, are swept and get a late final report', async () => {
    const s = t.services;
    const open = rows.filter((r) => r.outcome === 'in_progress');
    expect(open.length).toBeGreaterThan(10);
    // Half end with a final PATCH, half are swept as abandoned and then reported late.
    for (const [i, r] of open.entries()) {
      const actor = { id: r.user_id, role: 'agent' };
      if (i % 2 === 0) {
        await s.calls.update(actor, r.id, {
          outcome: 'answered',
          answeredAt: new Date(Date.parse(r.started_at) + 4000).toISOString(),
          endedAt: new Date(Date.parse(r.started_at) + 94_000).toISOString(),
          quality: { mos: 4.25, jitterMs: 12, packetLossPct: 0.5 },
        } as never);
      }
    }
    const swept = await s.calls.sweepAbandoned(NOW);
    expect(swept).toBeGreaterThan(4);
    await expectSameAnswers();
    // Half of the contributions folded, the late reports below taking some of them back.
    expect(await waiting()).toBeGreaterThan(0);
    await new AnalyticsRepository(t.services.db).foldPending();
    for (const [i, r] of open.entries()) {
      if (i % 2 === 1) {
        await s.calls.update({ id: r.user_id, role: 'agent' }, r.id, {
          outcome: 'busy',
          sipCode: 486,
          progressAt: new Date(Date.parse(r.started_at) + 1500).toISOString(),
        } as never);
      }
    }
    await expectSameAnswers();
  });

  it('counts calls of one connection and slot that end at the same time, each once (no deadlock, no lost peak)', async () => {
    const start = Date.parse(`${TO}T09:00:00.000Z`);
    const same = Array.from({ length: 12 }, (_, i) => ({
      ...rows[0]!,
      id: crypto.randomUUID(),
      user_id: agents[0]!.id,
      trunk_id: trunkIds[0]!,
      phone_number_id: numberIds[i % 2]!,
      direction: 'outbound',
      outcome: 'answered',
      started_at: new Date(start + i * 1000).toISOString(),
      answered_at: new Date(start + i * 1000 + 2000).toISOString(),
      ended_at: new Date(start + 600_000).toISOString(),
      duration_seconds: 598 - i,
      last_seen_at: new Date(start + 600_000).toISOString(),
    }));
    await Promise.all(same.map((row) => calls.insert(row)));
    const day = await rollups.kpis(admin, {
      from: TO,
      to: TO,
      tz: 'UTC',
      userId: 'all',
      connectionId: trunkIds[0],
      by: 'connection',
    });
    expect(day.rows[0]!.peakConcurrent).toBeGreaterThanOrEqual(12);
    await expectSameAnswers();
  });

  it('counts each contribution once when two instances fold at the same time', async () => {
    // Late reports of already counted calls: each leaves a -1 and a +1 row waiting.
    for (const r of rows.filter((x) => x.outcome === 'answered').slice(0, 40)) {
      await calls.update(r.id, 'answered', { mos: 1.5, jitter_ms: 70, packet_loss_pct: 9 });
    }
    const before = await waiting();
    expect(before).toBeGreaterThanOrEqual(80);
    // SQLite runs one instance (one process, whose driver blocks while it waits for the file's lock):
    // there the folds overlap on one handle.
    const other = kind === 'postgres' ? openDatabase(t.database.config.database) : null;
    try {
      const folds = await Promise.all([
        new AnalyticsRepository(t.services.db).foldPending(),
        new AnalyticsRepository(other?.db ?? t.services.db).foldPending(),
        new AnalyticsRepository(other?.db ?? t.services.db).foldPending(),
      ]);
      expect(folds.reduce((a, b) => a + b, 0)).toBe(before);
    } finally {
      await other?.close();
    }
    expect(await waiting()).toBe(0);
    await expectSameAnswers();
  });

  it('holds the same rows as a rebuild from the calls', async () => {
    await new AnalyticsRepository(t.services.db).foldPending();
    const incremental = await rollupRows();
    expect(incremental.call_rollups!.length).toBeGreaterThan(100);
    await rebuildRollups(t.services.db, 64); // in several batches
    expect(await rollupRows()).toEqual(incremental);
  });

  it('holds the same rows after a bulk rebuild, with its indexes back', async () => {
    await new AnalyticsRepository(t.services.db).foldPending();
    const incremental = await rollupRows();
    const indexes = await indexNames();
    expect(indexes.length).toBeGreaterThanOrEqual(8);
    await t.services.db.transaction().execute((trx) => rebuildRollupsInBulk(trx));
    expect(await rollupRows()).toEqual(incremental);
    expect(await indexNames()).toEqual(indexes);
    await expectSameAnswers(questions().filter((x) => x.actor === admin && x.q.tz === 'UTC'));
  });

  /** The app's database as a migration sees it (migrations are written against no schema). */
  const migrationDb = () => t.services.db as unknown as Kysely<unknown>;

  it('derives the levels without the agent (0023) exactly as the upkeep keeps them', async () => {
    await new AnalyticsRepository(t.services.db).foldPending();
    const kept = await rollupRows();
    const agentless = (rows: string[]) =>
      rows.filter((r) => ['m', 'c', 'u'].includes((JSON.parse(r) as { lvl: string }).lvl));
    expect(agentless(kept.call_rollups!).length).toBeGreaterThan(50);
    expect(agentless(kept.call_rollup_values!).length).toBeGreaterThan(50);
    await levelsWithoutAgent.down(migrationDb());
    expect(agentless((await rollupRows()).call_rollups!)).toEqual([]);
    await levelsWithoutAgent.up(migrationDb());
    expect(await rollupRows()).toEqual(kept);
    await levelsWithoutAgent.up(migrationDb()); // again: replaces, never adds twice
    expect(await rollupRows()).toEqual(kept);
  });

  it('derives the week rows (0025) exactly as the upkeep keeps them', async () => {
    await new AnalyticsRepository(t.services.db).foldPending();
    const kept = await rollupRows();
    const weeks = (rows: string[]) => rows.filter((r) => (JSON.parse(r) as { span: string }).span === 'w');
    expect(weeks(kept.call_rollups!).length).toBeGreaterThan(20);
    expect(weeks(kept.call_rollup_values!).length).toBeGreaterThan(20);
    await rollupWeeks.down(migrationDb());
    expect(weeks((await rollupRows()).call_rollups!)).toEqual([]);
    await rollupWeeks.up(migrationDb());
    expect(await rollupRows()).toEqual(kept);
    await rollupWeeks.up(migrationDb()); // again: replaces, never adds twice
    expect(await rollupRows()).toEqual(kept);
  });

  it("numbers a week by its Monday in SQL as in JavaScript, on both databases' arithmetic", async () => {
    const days = ['2026-10-26', '2026-11-01', '2024-02-29', '2025-01-01', '2026-03-01', '2099-12-31'];
    for (const day of days) {
      const r = await sql<{
        w: string;
      }>`select ${weekBucketSql(sql`${`${day}T23:59:59.999Z`}`)} as w`.execute(t.services.db);
      const ms = Date.parse(`${day}T00:00:00.000Z`);
      expect(r.rows[0]!.w, day).toBe(weekBucket(mondayOnOrBefore(ms)));
    }
    expect(new Date(mondayOnOrBefore(Date.parse('2026-11-01T00:00:00Z'))).toISOString()).toBe(
      '2026-10-26T00:00:00.000Z',
    );
    expect(new Date(mondayOnOrAfter(Date.parse('2026-10-27T00:00:00Z'))).toISOString()).toBe(
      '2026-11-02T00:00:00.000Z',
    );
  });

  it('reads a question about everyone from a level without the agent', () => {
    const everyone = { fromIso: FROM, toExclusiveIso: TO, userId: null } as never;
    const oneAgent = { fromIso: FROM, toExclusiveIso: TO, userId: 'u1' } as never;
    expect(levelFor(everyone, 'number')).toBe('m');
    expect(levelFor(everyone, 'connection')).toBe('c');
    expect(levelFor(everyone, 'agent')).toBe('u');
    expect(levelFor(everyone, 'total')).toBe('a');
    expect(levelFor(oneAgent, 'number')).toBe('n');
    expect(levelFor(oneAgent, 'connection')).toBe('t');
    expect(levelFor(oneAgent, 'total')).toBe('u');
    expect(levelFor({ ...(everyone as object), trunkId: 't1' } as never, 'agent')).toBe('t');
    expect(levelFor({ ...(everyone as object), phoneNumberId: 'n1' } as never, 'total')).toBe('m');
  });

  it('splits a range into whole UTC days and the 15-minute slots around them', () => {
    // 3 days in Asia/Kolkata (UTC+5:30)
    expect(bucketRanges('2026-10-24T18:30:00.000Z', '2026-10-27T18:30:00.000Z')).toEqual([
      { span: 'q', from: '2026-10-24T18:30', to: '2026-10-25T00:00' },
      { span: 'd', from: '2026-10-25', to: '2026-10-27' },
      { span: 'q', from: '2026-10-27T00:00', to: '2026-10-27T18:30' },
    ]);
    expect(bucketRanges('2026-10-25T00:00:00.000Z', '2026-10-26T00:00:00.000Z')).toEqual([
      { span: 'd', from: '2026-10-25', to: '2026-10-26' },
    ]);
    // 30 days to Wednesday 2 December: the days to Monday 9 November, 3 whole weeks, then days.
    expect(bucketRanges('2026-11-03T00:00:00.000Z', '2026-12-03T00:00:00.000Z')).toEqual([
      { span: 'd', from: '2026-11-03', to: '2026-11-09' },
      { span: 'w', from: weekBucket(Date.parse('2026-11-09')), to: weekBucket(Date.parse('2026-11-30')) },
      { span: 'd', from: '2026-11-30', to: '2026-12-03' },
    ]);
    expect(bucketRanges('2026-11-03T00:00:00.000Z', '2026-12-03T00:00:00.000Z', 'qd')).toEqual([
      { span: 'd', from: '2026-11-03', to: '2026-12-03' },
    ]);
    expect(valueBucket(1234)).toBe(1200);
    expect(valueBucket(0.29)).toBe(0.29);
    expect(valueBucket(37.9)).toBe(37);
  });
});
