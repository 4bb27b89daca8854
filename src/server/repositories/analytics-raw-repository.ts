/**
 * Aggregates over `calls` for the analytics (definitions in src/shared/kpi.ts), read straight from the
 * calls: the reference that the roll-ups (analytics-repository.ts, which extends this class) are tested
 * against, and still the source of the figures that are not rolled up (filter choices, channel limits). One SQL text for
 * SQLite and PostgreSQL: only portable functions (substr, cast, case, count/sum, window functions),
 * timestamps compared as the ISO 8601 UTC text they are stored as (`toISOString()` form), SIP-code and
 * outcome lists written as literals from the shared constants. Each method is a constant number of
 * statements; grouping in the viewer's time zone is done by the service from 15-minute UTC slots (the
 * finest step of any zone's offset), so the SQL stays free of zone rules.
 */
import { sql, type RawBuilder } from 'kysely';
import type { Db } from '../db/database.js';
import type { KpiSums } from '../../shared/kpi.js';
import { NETWORK_COMPLETED, PDD_MS } from './analytics-rollups.js';

export interface AnalyticsFilter {
  /** null = every user (admins). */
  userId: string | null;
  fromIso: string;
  /** Exclusive upper bound on started_at. */
  toExclusiveIso: string;
  trunkId?: string;
  phoneNumberId?: string;
  direction?: string;
}

export type GroupKey = 'connection' | 'number' | 'agent' | 'total';

export interface SumsRow extends KpiSums {
  key: string | null;
  name: string | null;
}

export interface SlotRow extends KpiSums {
  /** Start of a 15-minute UTC slot, epoch milliseconds. */
  slotMs: number;
}

export interface PercentileRow {
  key: string | null;
  /** Values at the requested nearest ranks, in the order asked. */
  values: (number | null)[];
}

const ANSWERED = sql`case when c.answered_at is not null then 1 else 0 end`;

const SUMS = sql`count(*) as attempts,
  sum(${ANSWERED}) as answered,
  sum(${NETWORK_COMPLETED}) as network_completed,
  sum(case when c.answered_at is not null and c.duration_seconds is not null then 1 else 0 end) as talk_calls,
  sum(case when c.answered_at is not null then coalesce(c.duration_seconds, 0) else 0 end) as talk_seconds,
  sum(case when c.mos is not null then 1 else 0 end) as mos_calls,
  sum(cast(coalesce(c.mos, 0) as double precision)) as mos_sum`;

const KEY_COLUMN: Record<Exclude<GroupKey, 'total'>, RawBuilder<unknown>> = {
  connection: sql`c.trunk_id`,
  number: sql`c.phone_number_id`,
  agent: sql`c.user_id`,
};

const NAME_COLUMN: Record<Exclude<GroupKey, 'total'>, RawBuilder<unknown>> = {
  connection: sql`max(t.name)`,
  number: sql`max(n.number)`,
  agent: sql`max(u.name)`,
};

const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

function toSums(r: Record<string, unknown>): KpiSums {
  return {
    attempts: num(r.attempts),
    answered: num(r.answered),
    networkCompleted: num(r.network_completed),
    talkCalls: num(r.talk_calls),
    talkSeconds: num(r.talk_seconds),
    mosCalls: num(r.mos_calls),
    mosSum: num(r.mos_sum),
  };
}

/** `column` is one of `keys`, where a null key is a null column. */
function keyIn(column: RawBuilder<unknown>, keys: readonly (string | null)[]): RawBuilder<unknown> {
  const ids = keys.filter((k): k is string => k !== null);
  const parts = ids.length > 0 ? [sql`${column} in (${sql.join(ids)})`] : [];
  if (ids.length < keys.length) parts.push(sql`${column} is null`);
  return sql`(${sql.join(parts, sql` or `)})`;
}

/** ⌈p·n⌉ in integer SQL arithmetic, for p = a/b. */
function rankOf(p: number): RawBuilder<unknown> {
  const b = 1000;
  const a = Math.round(p * b);
  return sql`((${sql.lit(a)} * s.n + ${sql.lit(b - 1)}) / ${sql.lit(b)})`;
}

export class RawAnalyticsRepository {
  constructor(protected readonly db: Db) {}

  /** Finished calls matching the filter (in-progress ones are not attempts yet). */
  private where(f: AnalyticsFilter): RawBuilder<unknown> {
    const parts = [
      sql`c.outcome <> 'in_progress'`,
      sql`c.started_at >= ${f.fromIso}`,
      sql`c.started_at < ${f.toExclusiveIso}`,
    ];
    if (f.userId !== null) parts.push(sql`c.user_id = ${f.userId}`);
    if (f.trunkId) parts.push(sql`c.trunk_id = ${f.trunkId}`);
    if (f.phoneNumberId) parts.push(sql`c.phone_number_id = ${f.phoneNumberId}`);
    if (f.direction) parts.push(sql`c.direction = ${f.direction}`);
    return sql.join(parts, sql` and `);
  }

  /** KPI sums per connection, number, agent, or one total row. */
  async sums(f: AnalyticsFilter, by: GroupKey): Promise<SumsRow[]> {
    const where = this.where(f);
    if (by === 'total') {
      const r = await sql<Record<string, unknown>>`select ${SUMS} from calls c where ${where}`.execute(
        this.db,
      );
      return r.rows.map((row) => ({ key: null, name: null, ...toSums(row) }));
    }
    const key = KEY_COLUMN[by];
    const r = await sql<Record<string, unknown>>`select ${key} as k, ${NAME_COLUMN[by]} as name, ${SUMS}
      from calls c
      left join sip_trunks t on t.id = c.trunk_id
      left join phone_numbers n on n.id = c.phone_number_id
      left join users u on u.id = c.user_id
      where ${where}
      group by ${key}
      order by count(*) desc, ${key}`.execute(this.db);
    return r.rows.map((row) => ({
      key: (row.k as string | null) ?? null,
      name: (row.name as string | null) ?? null,
      ...toSums(row),
    }));
  }

  /** Nearest-rank percentiles of `value` (non-null values only) per group (of `keys` only, if given). */
  async percentiles(
    f: AnalyticsFilter,
    by: GroupKey,
    value: 'pdd' | 'jitter' | 'loss',
    ps: readonly number[],
    keys?: readonly (string | null)[],
  ): Promise<PercentileRow[]> {
    if (keys?.length === 0) return [];
    const v =
      value === 'pdd'
        ? PDD_MS
        : value === 'jitter'
          ? sql`cast(c.jitter_ms as double precision)`
          : sql`cast(c.packet_loss_pct as double precision)`;
    const key = by === 'total' ? null : KEY_COLUMN[by];
    const partition = key ? sql`partition by ${key}` : sql``;
    const ranks = ps.map(rankOf);
    const r = await sql<{
      k: string | null;
      v: unknown;
      rn: unknown;
      n: unknown;
    }>`select s.k, s.v, s.rn, s.n from (
        select ${key ?? sql`null`} as k, ${v} as v,
          row_number() over (${partition} order by ${v}) as rn,
          count(*) over (${partition}) as n
        from calls c where ${this.where(f)} and ${v} is not null${key && keys ? sql` and ${keyIn(key, keys)}` : sql``}
      ) s where s.rn in (${sql.join(ranks)})`.execute(this.db);
    const out = new Map<string | null, (number | null)[]>();
    for (const row of r.rows) {
      const n = Number(row.n);
      const rn = Number(row.rn);
      const values = out.get(row.k) ?? ps.map(() => null);
      ps.forEach((p, i) => {
        if (Math.min(n, Math.max(1, Math.ceil((Math.round(p * 1000) * n) / 1000))) === rn)
          values[i] = Number(row.v);
      });
      out.set(row.k, values);
    }
    return [...out].map(([k, values]) => ({ key: k, values }));
  }

  /**
   * Peak concurrent calls of each given connection during the range: the most of its finished calls up
   * at one instant (INVITE to end; an end frees its channel before a start at the same instant), whoever
   * made them and whatever their direction or number (it is the connection's channels that are counted),
   * calls that started before the range and were still up included.
   */
  async peakConcurrent(f: AnalyticsFilter, trunkIds: string[]): Promise<Map<string | null, number>> {
    if (trunkIds.length === 0) return new Map();
    const from = f.fromIso;
    const calls = sql`select c.trunk_id as k,
        case when c.started_at < ${from} then ${from} else c.started_at end as s, c.ended_at as e
      from calls c where c.trunk_id in (${sql.join(trunkIds)}) and c.outcome <> 'in_progress'
        and c.ended_at is not null and c.ended_at > ${from} and c.started_at < ${f.toExclusiveIso}`;
    const r = await sql<{ k: string | null; peak: unknown }>`with o as (${calls}), ev as (
        select o.k, o.s as at, 1 as d from o
        union all
        select o.k, o.e as at, -1 as d from o
      )
      select s.k, max(s.running) as peak from (
        select ev.k, sum(ev.d) over (partition by ev.k order by ev.at, ev.d rows between unbounded preceding and current row) as running
        from ev
      ) s group by s.k`.execute(this.db);
    return new Map(r.rows.map((row) => [row.k, num(row.peak)]));
  }

  /** Channel limits of the given connections. */
  async channelLimits(trunkIds: string[]): Promise<Map<string, number | null>> {
    if (trunkIds.length === 0) return new Map();
    const rows = await this.db
      .selectFrom('sip_trunks')
      .select(['id', 'channel_limit'])
      .where('id', 'in', trunkIds)
      .execute();
    return new Map(rows.map((r) => [r.id, r.channel_limit]));
  }

  /** KPI sums per 15-minute UTC slot (the service folds them into local days, weeks and hours). */
  async slots(f: AnalyticsFilter): Promise<SlotRow[]> {
    const r = await sql<Record<string, unknown>>`select substr(c.started_at, 1, 13) as h,
        cast(substr(c.started_at, 15, 2) as integer) / 15 as q, ${SUMS}
      from calls c where ${this.where(f)}
      group by substr(c.started_at, 1, 13), cast(substr(c.started_at, 15, 2) as integer) / 15
      order by 1, 2`.execute(this.db);
    return r.rows.map((row) => ({
      slotMs: Date.parse(`${String(row.h)}:00:00.000Z`) + num(row.q) * 900_000,
      ...toSums(row),
    }));
  }

  /** Outbound calls per destination prefix (country code and the next digits), with one sample number each. */
  async destinationPrefixes(
    f: AnalyticsFilter,
  ): Promise<{ sample: string; calls: number; answered: number; talkSeconds: number }[]> {
    const r = await sql<Record<string, unknown>>`select substr(c.remote_number, 1, 6) as p,
        max(c.remote_number) as sample, ${SUMS}
      from calls c where ${this.where(f)} and c.direction = 'outbound'
      group by substr(c.remote_number, 1, 6)`.execute(this.db);
    return r.rows.map((row) => {
      const s = toSums(row);
      return {
        sample: String(row.sample),
        calls: s.attempts,
        answered: s.answered,
        talkSeconds: s.talkSeconds,
      };
    });
  }

  /** Calls per MOS lower bound (one row per band floor reached), and the MOS sums. */
  async mosBands(
    f: AnalyticsFilter,
    floors: readonly number[],
  ): Promise<{ counts: number[]; mosCalls: number; mosSum: number }> {
    const bandCase = sql.join(
      floors.map((floor, i) => sql`when c.mos >= ${sql.lit(floor)} then ${sql.lit(i)}`),
      sql` `,
    );
    const r = await sql<{ b: unknown; calls: unknown; mos_sum: unknown }>`select
        case ${bandCase} else ${sql.lit(floors.length)} end as b,
        count(*) as calls, sum(cast(c.mos as double precision)) as mos_sum
      from calls c where ${this.where(f)} and c.mos is not null
      group by 1`.execute(this.db);
    const counts = Array.from({ length: floors.length + 1 }, () => 0);
    let mosCalls = 0;
    let mosSum = 0;
    for (const row of r.rows) {
      counts[num(row.b)] = num(row.calls);
      mosCalls += num(row.calls);
      mosSum += num(row.mos_sum);
    }
    return { counts, mosCalls, mosSum };
  }

  /**
   * The page's filter choices: for an agent (`ownerId`) the connections they own and the numbers they own
   * or that are assigned to those connections; for an admin (null) every connection, number and user.
   */
  async filterOptions(ownerId: string | null): Promise<{
    connections: { id: string; label: string }[];
    numbers: { id: string; label: string }[];
    agents: { id: string; label: string }[];
  }> {
    let trunks = this.db.selectFrom('sip_trunks').select(['id', 'name as label']);
    let numbers = this.db.selectFrom('phone_numbers as n').select(['n.id', 'n.number as label']);
    if (ownerId !== null) {
      trunks = trunks.where('owner_id', '=', ownerId);
      numbers = numbers.where((eb) =>
        eb.or([
          eb('n.owner_id', '=', ownerId),
          eb.exists(
            eb
              .selectFrom('trunk_phone_numbers as a')
              .innerJoin('sip_trunks as t', 't.id', 'a.trunk_id')
              .select('a.id')
              .whereRef('a.phone_number_id', '=', 'n.id')
              .where('t.owner_id', '=', ownerId),
          ),
        ]),
      );
    }
    const [c, n, a] = await Promise.all([
      trunks.orderBy('label').orderBy('id').execute(),
      numbers.orderBy('label').execute(),
      ownerId === null
        ? this.db.selectFrom('users').select(['id', 'name as label']).orderBy('label').orderBy('id').execute()
        : Promise.resolve([]),
    ]);
    return { connections: c, numbers: n, agents: a };
  }

  /** Unanswered attempts per SIP code and outcome (and whether they rang). */
  async failures(
    f: AnalyticsFilter,
  ): Promise<{ sipCode: number | null; outcome: string; rang: boolean; calls: number }[]> {
    const r = await sql<Record<string, unknown>>`select c.sip_code as sip_code, c.outcome as outcome,
        case when c.progress_at is not null then 1 else 0 end as rang, count(*) as calls
      from calls c where ${this.where(f)} and c.answered_at is null
      group by 1, 2, 3`.execute(this.db);
    return r.rows.map((row) => ({
      sipCode: numOrNull(row.sip_code),
      outcome: String(row.outcome),
      rang: num(row.rang) === 1,
      calls: num(row.calls),
    }));
  }
}
