/**
 * The health tables (0008) and the health columns of sip_trunks: what the probes need to know about
 * each connection, the rules' counters, observations, state changes and the admin's thresholds.
 */
import { sql } from 'kysely';
import type { Db } from '../../db/database.js';

/** One connection as the health service sees it: addresses, current health and the rules' counters. */
export interface HealthTrunk {
  id: string;
  owner_id: string;
  name: string;
  provider: string;
  status: string;
  ws_server: string | null;
  sip_uri: string | null;
  telnyx_connection_id: string | null;
  health_status: string;
  health_checked_at: string | null;
  health_latency_ms: number | null;
  health_message: string | null;
  fail_streak: number | null;
  ok_streak: number | null;
  registration_refused: string | null;
}

/** Everything one observation changes, written together. */
export interface HealthWrite {
  trunkId: string;
  at: string;
  ok: boolean;
  latencyMs: number | null;
  source: string;
  /** The observation's own words (stored with the sample). */
  observation: string;
  status: string;
  previousStatus: string;
  /** The state's reason (sip_trunks.health_message). */
  reason: string;
  failStreak: number;
  okStreak: number;
  registrationRefused: string | null;
  /** Stored as a sample (false for observations that carry no measurement, e.g. "nothing to probe"). */
  keepSample: boolean;
  /** Rewrite the displayed state (sip_trunks): it changed, or the stored one is getting old. */
  display: boolean;
}

/** Rows per multi-row statement (at most 8 columns: well under SQLite's and PostgreSQL's parameter limits). */
const WRITE_BATCH = 500;

export interface HealthHistoryRow {
  id: string;
  trunk_id: string;
  status: string;
  previous_status: string;
  reason: string;
  source: string;
  latency_ms: number | null;
  created_at: string;
}

export interface HealthSampleRow {
  checked_at: string;
  ok: number;
  latency_ms: number | null;
  source: string;
  reason: string | null;
}

export class HealthRepository {
  constructor(private readonly db: Db) {}

  /** Connections with their counters: all of them, the active ones, or the given ids. */
  async listTrunks(filter: { activeOnly?: boolean; ids?: string[] } = {}): Promise<HealthTrunk[]> {
    let q = this.db
      .selectFrom('sip_trunks as t')
      .leftJoin('trunk_health_state as s', 's.trunk_id', 't.id')
      .select([
        't.id',
        't.owner_id',
        't.name',
        't.provider',
        't.status',
        't.ws_server',
        't.sip_uri',
        't.telnyx_connection_id',
        't.health_status',
        't.health_checked_at',
        't.health_latency_ms',
        't.health_message',
        's.fail_streak',
        's.ok_streak',
        's.registration_refused',
      ]);
    if (filter.activeOnly) q = q.where('t.status', '=', 'active');
    if (filter.ids) {
      if (filter.ids.length === 0) return [];
      q = q.where('t.id', 'in', filter.ids);
    }
    return q.orderBy('t.name').orderBy('t.id').execute();
  }

  /** The last `window` measured latencies of each trunk (newest first). */
  async recentLatencies(trunkIds: string[], window: number): Promise<Map<string, number[]>> {
    const out = new Map<string, number[]>();
    if (trunkIds.length === 0) return out;
    const rows = await this.db
      .selectFrom((eb) =>
        eb
          .selectFrom('trunk_health_samples')
          .select([
            'trunk_id',
            'latency_ms',
            sql<number>`row_number() over (partition by trunk_id order by checked_at desc)`.as('n'),
          ])
          .where('trunk_id', 'in', trunkIds)
          .where('ok', '=', 1)
          .where('latency_ms', 'is not', null)
          .as('r'),
      )
      .select(['r.trunk_id', 'r.latency_ms'])
      .where('r.n', '<=', window)
      .execute();
    for (const r of rows) {
      const list = out.get(r.trunk_id) ?? [];
      list.push(Number(r.latency_ms));
      out.set(r.trunk_id, list);
    }
    return out;
  }

  /** Outbound calls that ended since `since`, per trunk: attempts and answered (ASR, ITU-T E.411). */
  async callCounts(
    trunkIds: string[],
    since: string,
  ): Promise<Map<string, { attempts: number; answered: number }>> {
    const out = new Map<string, { attempts: number; answered: number }>();
    if (trunkIds.length === 0) return out;
    const rows = await this.db
      .selectFrom('calls')
      .select((eb) => [
        'trunk_id',
        eb.fn.countAll<number | string>().as('attempts'),
        eb.fn
          .sum<number | string>(eb.case().when('outcome', '=', 'answered').then(1).else(0).end())
          .as('answered'),
      ])
      .where('trunk_id', 'in', trunkIds)
      .where('direction', '=', 'outbound')
      .where('started_at', '>=', since)
      // A call the caller cancelled or that is still going says nothing about the trunk.
      .where('outcome', 'not in', ['in_progress', 'cancelled'])
      .groupBy('trunk_id')
      .execute();
    for (const r of rows) {
      if (r.trunk_id)
        out.set(r.trunk_id, { attempts: Number(r.attempts), answered: Number(r.answered ?? 0) });
    }
    return out;
  }

  /**
   * Writes the observations, a few statements per batch: counters and samples always; the displayed
   * state (sip_trunks' health columns, which GET /api/connections shows and whose triggers bump the
   * connections list's revision) only when `display` is set; a history row per state change.
   */
  async apply(writes: HealthWrite[]): Promise<void> {
    for (let i = 0; i < writes.length; i += WRITE_BATCH) {
      const batch = writes.slice(i, i + WRITE_BATCH);
      await this.db
        .insertInto('trunk_health_state')
        .values(
          batch.map((w) => ({
            trunk_id: w.trunkId,
            fail_streak: w.failStreak,
            ok_streak: w.okStreak,
            registration_refused: w.registrationRefused,
            updated_at: w.at,
          })),
        )
        .onConflict((oc) =>
          oc.column('trunk_id').doUpdateSet((eb) => ({
            fail_streak: eb.ref('excluded.fail_streak'),
            ok_streak: eb.ref('excluded.ok_streak'),
            registration_refused: eb.ref('excluded.registration_refused'),
            updated_at: eb.ref('excluded.updated_at'),
          })),
        )
        .execute();
      const samples = batch.filter((w) => w.keepSample);
      if (samples.length > 0) {
        await this.db
          .insertInto('trunk_health_samples')
          .values(
            samples.map((w) => ({
              id: crypto.randomUUID(),
              trunk_id: w.trunkId,
              checked_at: w.at,
              ok: w.ok ? 1 : 0,
              latency_ms: w.latencyMs,
              source: w.source,
              reason: w.observation,
            })),
          )
          .execute();
      }
      const shown = batch.filter((w) => w.display);
      if (shown.length > 0) {
        // One statement for the batch, not one per connection: a round that changes every connection
        // (the first after a start, an outage) rewrote 1,000 rows one by one. A VALUES list in a CTE
        // with column names, and UPDATE ... FROM, are the same on SQLite (3.33+) and PostgreSQL; the
        // latency's cast types its column on PostgreSQL, where a VALUES of parameters is text.
        const rows = shown.map(
          (w) =>
            // A failure keeps the last measured latency out of the badge: it no longer answers.
            sql`(${w.trunkId}, ${w.status}, ${w.at}, ${w.reason}, cast(${w.ok ? w.latencyMs : null} as integer))`,
        );
        await sql`with v (id, status, checked_at, message, latency_ms) as (values ${sql.join(rows)})
          update sip_trunks set health_status = v.status, health_checked_at = v.checked_at,
            health_message = v.message, health_latency_ms = v.latency_ms
          from v where sip_trunks.id = v.id`.execute(this.db);
      }
      const changes = batch.filter((w) => w.status !== w.previousStatus);
      if (changes.length > 0) {
        await this.db
          .insertInto('trunk_health_history')
          .values(
            changes.map((w) => ({
              id: crypto.randomUUID(),
              trunk_id: w.trunkId,
              status: w.status,
              previous_status: w.previousStatus,
              reason: w.reason,
              source: w.source,
              latency_ms: w.latencyMs,
              created_at: w.at,
            })),
          )
          .execute();
      }
    }
  }

  history(trunkId: string, since: string, limit = 500): Promise<HealthHistoryRow[]> {
    return this.db
      .selectFrom('trunk_health_history')
      .selectAll()
      .where('trunk_id', '=', trunkId)
      .where('created_at', '>=', since)
      .orderBy('created_at', 'desc')
      .limit(limit)
      .execute();
  }

  /** The newest `limit` observations since `since`, oldest first (a long window keeps its recent end). */
  async samples(trunkId: string, since: string, limit = 5000): Promise<HealthSampleRow[]> {
    const rows = await this.db
      .selectFrom('trunk_health_samples')
      .select(['checked_at', 'ok', 'latency_ms', 'source', 'reason'])
      .where('trunk_id', '=', trunkId)
      .where('checked_at', '>=', since)
      .orderBy('checked_at', 'desc')
      .limit(limit)
      .execute();
    return rows.reverse();
  }

  /**
   * Every observation since `since` as time, result and latency only (the page's series). Bounded by
   * the samples' retention: a probe every 30 s is about 20,000 small rows a week.
   */
  sampleSeries(
    trunkId: string,
    since: string,
  ): Promise<{ checked_at: string; ok: number; latency_ms: number | null }[]> {
    return this.db
      .selectFrom('trunk_health_samples')
      .select(['checked_at', 'ok', 'latency_ms'])
      .where('trunk_id', '=', trunkId)
      .where('checked_at', '>=', since)
      .execute();
  }

  /** Drops samples older than `before` (the chart shows days, not months). */
  async pruneSamples(before: string): Promise<number> {
    const r = await this.db
      .deleteFrom('trunk_health_samples')
      .where('checked_at', '<', before)
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  async settings(): Promise<
    { thresholds: string; updated_at: string; updated_by: string | null } | undefined
  > {
    return this.db
      .selectFrom('health_settings')
      .select(['thresholds', 'updated_at', 'updated_by'])
      .where('id', '=', 'default')
      .executeTakeFirst();
  }

  async saveSettings(thresholds: string, at: string, by: string | null): Promise<void> {
    await this.db
      .insertInto('health_settings')
      .values({ id: 'default', thresholds, updated_at: at, updated_by: by })
      .onConflict((oc) => oc.column('id').doUpdateSet({ thresholds, updated_at: at, updated_by: by }))
      .execute();
  }
}
