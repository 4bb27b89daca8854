/**
 * The analytics roll-ups (0015_analytics_rollups): what each finished call adds to the four roll-up
 * tables, as one INSERT … SELECT … ON CONFLICT DO UPDATE per table, the same SQL text on SQLite and
 * PostgreSQL, from a source of calls (ContributionSource). The same statements serve:
 * - the fold (analytics-rollup-pending.ts): a call write (CallRepository) appends a snapshot of the
 *   call, +1, and for a change of a counted call also -1 for its old state, so a late quality report or
 *   a late final outcome never counts a call twice; the rollup-fold job adds them here;
 * - the backfill (the migration, the benchmark's generated set, a repair): every call at once.
 * Their SELECTs alone (contributionSelects) give the rows not yet folded to the reads.
 * (Just over 400 lines: the four tables' statements share one column list and one value mapping, which
 * splitting them across files would duplicate.)
 *
 * Each call is counted at six levels (the cuboids the queries pick from; analytics-repository.ts picks
 * the smallest that holds the question's keys):
 *   'n' per connection × number × agent × direction (a number question with an agent filter or rows),
 *   'm' per connection × number × direction (a number question about everyone, 0023),
 *   't' per connection × agent × direction (a connection question with an agent filter or rows),
 *   'c' per connection × direction (a connection question about everyone, 0023),
 *   'u' per agent × direction (agent rows, an agent's own view, 0023),
 *   'a' per direction only (everyone's calls: the admin's default view, trends, heatmap).
 * Without the agent-less levels, a number question about everyone read about one 'n' row per call
 * (5,000 numbers × 50 agents per day), which grows with the calls instead of with the keys.
 * and over three spans: 'q' the call's UTC 15-minute slot ('YYYY-MM-DDTHH:MM'), 'd' its UTC day
 * ('YYYY-MM-DD'), 'w' its UTC week (analytics-rollup-weeks.ts, 0025). A range of local days in a zone
 * whose offset is a multiple of 15 minutes is whole UTC weeks and days plus at most two partial days of
 * slots; in other zones (none today, apart from historic LMT offsets) the edges are rounded to the slot.
 * Missing keys are '' (SQL keys cannot be null here).
 *
 * PDD, jitter and loss are kept as counts per value (histograms) with each value truncated to two
 * significant digits (`valueBucket` in src/shared/kpi.ts), so percentiles come from counts.
 */
import { sql, type RawBuilder } from 'kysely';
import {
  BUSY_SIP_CODES,
  CANCELLED_SIP_CODE,
  MOS_BANDS,
  NETWORK_COMPLETED_OUTCOMES,
  NO_ANSWER_SIP_CODES,
  REJECTED_SIP_CODES,
} from '../../shared/kpi.js';
import { rebuildPeaks } from './analytics-rollup-peaks.js';
import { weekBucketSql } from './analytics-rollup-weeks.js';

export type RollupLevel = 'n' | 'm' | 't' | 'c' | 'u' | 'a';

/** Which of the call's keys each level keeps (the others are ''). */
export const LEVEL_KEYS: Record<RollupLevel, { trunk: boolean; number: boolean; user: boolean }> = {
  n: { trunk: true, number: true, user: true },
  m: { trunk: true, number: true, user: false },
  t: { trunk: true, number: false, user: true },
  c: { trunk: true, number: false, user: false },
  u: { trunk: false, number: false, user: true },
  a: { trunk: false, number: false, user: false },
};
export const ROLLUP_LEVELS = Object.keys(LEVEL_KEYS) as RollupLevel[];

const levelsKeeping = (key: 'trunk' | 'number' | 'user') =>
  sql.join(ROLLUP_LEVELS.filter((l) => LEVEL_KEYS[l][key]).map((l) => sql.lit(l)));
export const ROLLUP_TABLES = [
  'call_rollups',
  'call_rollup_values',
  'call_rollup_failures',
  'call_rollup_destinations',
  'call_rollup_peaks',
] as const;

/** The key columns every roll-up table starts with (its primary key, with the table's own extra keys). */
export const ROLLUP_KEYS = ['lvl', 'span', 'bucket', 'trunk_id', 'phone_number_id', 'user_id', 'direction'];

const lit = (values: readonly (string | number)[]) => sql.join(values.map((v) => sql.lit(v)));

/** Start of the call's UTC 15-minute slot as 'YYYY-MM-DDTHH:MM'. */
const SLOT = sql`substr(c.started_at, 1, 14) || case
  when cast(substr(c.started_at, 15, 2) as integer) < 15 then '00'
  when cast(substr(c.started_at, 15, 2) as integer) < 30 then '15'
  when cast(substr(c.started_at, 15, 2) as integer) < 45 then '30' else '45' end`;

/** The (level, span) pairs the given levels are counted in. */
const levelSpans = (levels: readonly RollupLevel[]) =>
  sql.raw(
    levels
      .flatMap((l) => [`select '${l}' as lvl, 'q' as span`, `select '${l}', 'd'`, `select '${l}', 'w'`])
      .join(' union all '),
  );

/**
 * The levels without the agent, each the sum of an agent-keyed one over its agents, with the key it
 * empties. A full rebuild counts the calls at the other three levels and sums these from them
 * (deriveAgentlessLevels): half the work of counting every call six times.
 */
const DERIVED_LEVELS: { level: RollupLevel; from: RollupLevel; emptied: string }[] = [
  { level: 'm', from: 'n', emptied: 'user_id' },
  { level: 'c', from: 't', emptied: 'user_id' },
  { level: 'u', from: 't', emptied: 'trunk_id' },
];
export const COUNTED_LEVELS = ROLLUP_LEVELS.filter((l) => !DERIVED_LEVELS.some((d) => d.level === l));

const KEY_SELECT = sql`v.lvl as lvl, v.span as span,
  case when v.span = 'q' then ${SLOT} when v.span = 'w' then ${weekBucketSql(sql`c.started_at`)}
    else substr(c.started_at, 1, 10) end as bucket,
  case when v.lvl in (${levelsKeeping('trunk')}) then coalesce(c.trunk_id, '') else '' end as trunk_id,
  case when v.lvl in (${levelsKeeping('number')}) then coalesce(c.phone_number_id, '') else '' end as phone_number_id,
  case when v.lvl in (${levelsKeeping('user')}) then c.user_id else '' end as user_id,
  c.direction as direction`;

/** classifyEnding(...) in SQL: 1 when the network completed the attempt (answered, busy, no answer, rejected). */
export const NETWORK_COMPLETED = sql`case
  when c.answered_at is not null then 1
  when c.outcome in (${lit(NETWORK_COMPLETED_OUTCOMES)}) then 1
  when c.sip_code in (${lit([...BUSY_SIP_CODES, ...NO_ANSWER_SIP_CODES, ...REJECTED_SIP_CODES])}) then 1
  when (c.outcome = 'cancelled' or c.sip_code = ${sql.lit(CANCELLED_SIP_CODE)}) and c.progress_at is not null then 1
  else 0 end`;

/** Milliseconds since midnight of an ISO 8601 UTC timestamp column. */
const msOfDay = (col: RawBuilder<unknown>) =>
  sql`(cast(substr(${col}, 12, 2) as integer) * 3600000 + cast(substr(${col}, 15, 2) as integer) * 60000 + cast(substr(${col}, 18, 2) as integer) * 1000 + cast(substr(${col}, 21, 3) as integer))`;

/** progress_at - invite_at in ms (a PDD never spans more than the midnight it may cross). */
export const PDD_MS = sql<number>`(case when c.progress_at is null or c.invite_at is null then null
  else ${msOfDay(sql`c.progress_at`)} - ${msOfDay(sql`c.invite_at`)}
    + case when substr(c.progress_at, 1, 10) = substr(c.invite_at, 1, 10) then 0 else 86400000 end end)`;

/** The MOS band index of c.mos (0 = best), as MOS_BANDS orders them. */
const MOS_BAND = sql`case ${sql.join(
  MOS_BANDS.slice(0, -1).map((b, i) => sql`when c.mos >= ${sql.lit(b.min)} then ${sql.lit(i)}`),
  sql` `,
)} else ${sql.lit(MOS_BANDS.length - 1)} end`;
export const MOS_BAND_COLUMNS = MOS_BANDS.map((_, i) => `mos_b${i}`);

/**
 * valueBucket (src/shared/kpi.ts) in SQL: a non-negative value truncated to two significant digits
 * (1e-9 absorbs the binary error of e.g. 0.29 × 100).
 */
function valueBucket(v: RawBuilder<unknown>): RawBuilder<unknown> {
  const steps: [number, number][] = [
    [100000, 10000],
    [10000, 1000],
    [1000, 100],
    [100, 10],
    [10, 1],
    [1, 0.1],
    [0.1, 0.01],
  ];
  const whens = steps.map(
    ([min, step]) =>
      sql`when ${v} >= ${sql.lit(min)} then floor(${v} / ${sql.lit(step)} + 0.000000001) * ${sql.lit(step)}`,
  );
  return sql`case when ${v} is null then null ${sql.join(whens, sql` `)} else floor(${v} * 1000 + 0.000000001) / 1000 end`;
}

/** A roll-up table with additive columns (all but the peaks). */
export type SummedRollupTable = Exclude<(typeof ROLLUP_TABLES)[number], 'call_rollup_peaks'>;

/**
 * Where a contribution's calls come from, as `c` with the calls table's column names: the calls
 * themselves, each weighed by one sign, or call_rollup_pending (analytics-rollup-pending.ts), each row
 * by its own (a snapshot of a call counted with +1, or of its old state taken back with -1).
 */
export interface ContributionSource {
  from: RawBuilder<unknown>;
  /** The levels to count the calls at (default: all of them). */
  levels?: readonly RollupLevel[];
  /** 1, -1 or the row's sign column. */
  weight: RawBuilder<unknown>;
  /** Which of its rows count. */
  where: RawBuilder<unknown>;
}

export function callsSource(sign: 1 | -1, where: RawBuilder<unknown>): ContributionSource {
  return {
    from: sql`calls c`,
    weight: sql.lit(sign),
    where: sql`c.outcome <> 'in_progress' and (${where})`,
  };
}

interface TableSpec {
  table: SummedRollupTable;
  /** Extra key columns after ROLLUP_KEYS. */
  keys: string[];
  /** Additive columns (the ON CONFLICT update adds them). */
  sums: string[];
  /** The SELECT list after the keys (sums multiplied by the weight). */
  body(weight: RawBuilder<unknown>): RawBuilder<unknown>;
}

const signed = (weight: RawBuilder<unknown>, expr: RawBuilder<unknown>) => sql`sum(${expr} * ${weight})`;

const SPECS: TableSpec[] = [
  {
    table: 'call_rollups',
    keys: [],
    sums: [
      'attempts',
      'answered',
      'network_completed',
      'talk_calls',
      'talk_seconds',
      'mos_calls',
      'mos_sum',
      ...MOS_BAND_COLUMNS,
    ],
    body: (
      s: RawBuilder<unknown>,
    ) => sql`${signed(s, sql`1`)}, ${signed(s, sql`case when c.answered_at is not null then 1 else 0 end`)},
      ${signed(s, NETWORK_COMPLETED)},
      ${signed(s, sql`case when c.answered_at is not null and c.duration_seconds is not null then 1 else 0 end`)},
      ${signed(s, sql`case when c.answered_at is not null then coalesce(c.duration_seconds, 0) else 0 end`)},
      ${signed(s, sql`case when c.mos is not null then 1 else 0 end`)},
      ${signed(s, sql`cast(coalesce(c.mos, 0) as double precision)`)},
      ${sql.join(
        MOS_BANDS.map((_, i) =>
          signed(s, sql`case when c.mos is not null and ${MOS_BAND} = ${sql.lit(i)} then 1 else 0 end`),
        ),
      )}`,
  },
  {
    table: 'call_rollup_failures',
    keys: ['sip_code', 'outcome', 'rang'],
    sums: ['calls'],
    body: (s: RawBuilder<unknown>) => sql`${signed(s, sql`1`)}`,
  },
  {
    table: 'call_rollup_destinations',
    keys: ['prefix'],
    sums: ['calls', 'answered', 'talk_seconds'],
    body: (s: RawBuilder<unknown>) => sql`max(c.remote_number) as sample, ${signed(s, sql`1`)},
      ${signed(s, sql`case when c.answered_at is not null then 1 else 0 end`)},
      ${signed(s, sql`case when c.answered_at is not null then coalesce(c.duration_seconds, 0) else 0 end`)}`,
  },
];

const EXTRA_KEY_SELECT: Record<string, RawBuilder<unknown>> = {
  call_rollups: sql``,
  call_rollup_failures: sql`, coalesce(c.sip_code, 0) as sip_code, c.outcome as outcome,
    case when c.progress_at is not null then 1 else 0 end as rang`,
  call_rollup_destinations: sql`, substr(c.remote_number, 1, 6) as prefix`,
};

const EXTRA_WHERE: Record<string, RawBuilder<unknown>> = {
  call_rollups: sql``,
  call_rollup_failures: sql` and c.answered_at is null`,
  call_rollup_destinations: sql` and c.direction = 'outbound'`,
};

function upsertTail(table: string, keys: string[], sums: string[], extra = sql``): RawBuilder<unknown> {
  return sql`on conflict (${sql.join(keys.map((k) => sql.id(k)))}) do update set ${sql.join(
    sums.map((col) => sql`${sql.id(col)} = ${sql.id(table, col)} + excluded.${sql.id(col)}`),
  )}${extra}`;
}

/** A summed roll-up table's key columns (ROLLUP_KEYS first) and its additive columns. */
export function rollupKeysAndSums(table: SummedRollupTable): { keys: string[]; sums: string[] } {
  if (table === 'call_rollup_values') return { keys: [...ROLLUP_KEYS, 'metric', 'value'], sums: ['calls'] };
  const spec = SPECS.find((x) => x.table === table)!;
  return { keys: [...ROLLUP_KEYS, ...spec.keys], sums: spec.sums };
}

/** The columns of a summed roll-up table, in the order its contribution SELECT gives them. */
export function rollupColumns(table: SummedRollupTable): string[] {
  if (table === 'call_rollup_values') return [...ROLLUP_KEYS, 'metric', 'value', 'calls'];
  const spec = SPECS.find((x) => x.table === table)!;
  return [
    ...ROLLUP_KEYS,
    ...spec.keys,
    ...(table === 'call_rollup_destinations' ? ['sample'] : []),
    ...spec.sums,
  ];
}

/**
 * Per summed table, the SELECT of what the source's calls add to it, one row per key, with the table's
 * columns in order (rollupColumns), keys sorted: the roll-up rows the source's calls would make.
 */
export function contributionSelects(
  src: ContributionSource,
): { table: SummedRollupTable; select: RawBuilder<unknown> }[] {
  const out = SPECS.map((spec) => {
    const keys = [...ROLLUP_KEYS, ...spec.keys];
    const positions = sql.raw(keys.map((_, i) => String(i + 1)).join(', '));
    return {
      table: spec.table,
      select: sql`select ${KEY_SELECT}${EXTRA_KEY_SELECT[spec.table]!}, ${spec.body(src.weight)}
      from ${src.from} cross join (${levelSpans(src.levels ?? ROLLUP_LEVELS)}) v
      where (${src.where})${EXTRA_WHERE[spec.table]!}
      group by ${positions}
      order by ${positions}`,
    };
  });
  // The value histograms: one row per metric the call has. The raw value is computed once, in a
  // materialized CTE: inlined, each of valueBucket's dozen references to it repeated the whole PDD
  // expression, and PostgreSQL spent ~100 ms planning the statement.
  const vkeys = [...ROLLUP_KEYS, 'metric', 'value'];
  const positions = sql.raw(vkeys.map((_, i) => String(i + 1)).join(', '));
  const keyCols = sql.raw(ROLLUP_KEYS.map((k) => `y.${k}`).join(', '));
  out.push({
    table: 'call_rollup_values',
    select: sql`with y as materialized (
      select ${KEY_SELECT}, m.metric as metric, ${src.weight} as w,
        case m.metric
          when 'pdd' then cast(${PDD_MS} as double precision)
          when 'jitter' then cast(c.jitter_ms as double precision)
          else cast(c.packet_loss_pct as double precision) end as raw
      from ${src.from} cross join (${levelSpans(src.levels ?? ROLLUP_LEVELS)}) v
        cross join (select 'pdd' as metric union all select 'jitter' union all select 'loss') m
      where ${src.where}
    )
    select ${sql.raw(ROLLUP_KEYS.map((k) => `x.${k}`).join(', '))}, x.metric, x.value, sum(x.w)
    from (select ${keyCols}, y.metric, y.w, ${valueBucket(sql`y.raw`)} as value from y) x
    where x.value is not null
    group by ${positions}
    order by ${positions}`,
  });
  return out;
}

/**
 * The statements that add the contribution of the source's calls to the roll-ups. Rows are written in
 * key order, so two transactions that share roll-up rows take their locks in the same order and wait
 * for each other instead of deadlocking (PostgreSQL).
 */
export function contributionStatements(src: ContributionSource): RawBuilder<unknown>[] {
  return contributionSelects(src).map(({ table, select }) => {
    const cols = rollupColumns(table);
    const { keys, sums } = rollupKeysAndSums(table);
    const sampleUpdate =
      table === 'call_rollup_destinations'
        ? sql`, sample = case when excluded.sample > call_rollup_destinations.sample then excluded.sample else call_rollup_destinations.sample end`
        : sql``;
    return sql`insert into ${sql.id(table)} (${sql.join(cols.map((c) => sql.id(c)))})
      ${select}
      ${upsertTail(table, keys, sums, sampleUpdate)}`;
  });
}

/** Any Kysely instance or transaction, whatever its database type (the migration has none). */
export type Executor = Parameters<RawBuilder<unknown>['execute']>[0];

/** Adds the contribution of the source's calls to the roll-up tables (the peaks aside). */
export async function applyContribution(db: Executor, src: ContributionSource): Promise<void> {
  for (const statement of contributionStatements(src)) await statement.execute(db);
}

/**
 * Empties the roll-ups and counts every call again (the migration's backfill; a repair), `batch` calls
 * per statement in id order, so no statement outlives DATABASE_STATEMENT_TIMEOUT_MS on a large history.
 */
export async function rebuildRollups(
  db: Executor,
  batch = 5000,
  { pending = true }: { pending?: boolean } = {},
): Promise<void> {
  for (const table of ROLLUP_TABLES) await sql`delete from ${sql.id(table)}`.execute(db);
  // Every call is counted below: what was waiting to be folded is in it (0015 runs before the table).
  if (pending) await sql`delete from call_rollup_pending`.execute(db);
  let after: string | null = null;
  for (;;) {
    const above: RawBuilder<unknown> = after === null ? sql`1 = 1` : sql`c.id > ${after}`;
    const r = await sql<{ id: string }>`select c.id as id from calls c where ${above}
      order by c.id limit 1 offset ${batch - 1}`.execute(db);
    const upTo: string | null = r.rows[0]?.id ?? null;
    await applyContribution(db, {
      ...callsSource(1, upTo === null ? above : sql`${above} and c.id <= ${upTo}`),
      levels: COUNTED_LEVELS,
    });
    if (upTo === null) break;
    after = upTo;
  }
  await deriveAgentlessLevels(db);
  await rebuildPeaks(db);
}

/**
 * (Re)writes the levels without the agent ('m', 'c', 'u') as sums of the agent-keyed rows ('n', 't'):
 * every sum is additive, so they equal what counting each call at those levels gives (the migration 0023
 * and the full rebuild). Rows of those levels already there are replaced.
 */
export async function deriveAgentlessLevels(db: Executor): Promise<void> {
  const tables: SummedRollupTable[] = [
    'call_rollups',
    'call_rollup_values',
    'call_rollup_failures',
    'call_rollup_destinations',
  ];
  for (const table of tables) {
    const { keys, sums } = rollupKeysAndSums(table);
    const extra = table === 'call_rollup_destinations' ? ['sample'] : [];
    await sql`delete from ${sql.id(table)} where lvl in (${sql.join(DERIVED_LEVELS.map((d) => d.level))})`.execute(
      db,
    );
    for (const { level, from, emptied } of DERIVED_LEVELS) {
      const grouped = keys.filter((k) => k !== 'lvl' && k !== emptied);
      const selected = keys.map((k) => (k === 'lvl' ? sql`${level}` : k === emptied ? sql`''` : sql.id(k)));
      await sql`insert into ${sql.id(table)} (${sql.join([...keys, ...extra, ...sums].map((c) => sql.id(c)))})
        select ${sql.join([
          ...selected,
          ...extra.map((c) => sql`max(${sql.id(c)})`),
          ...sums.map((c) => sql`sum(${sql.id(c)})`),
        ])}
        from ${sql.id(table)} where lvl = ${from}
        group by ${sql.join(grouped.map((k) => sql.id(k)))}`.execute(db);
    }
  }
}
