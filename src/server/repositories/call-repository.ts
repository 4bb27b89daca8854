/**
 * The `calls` table, plus the two read-only lookups a call record needs at its start: the caller's
 * trunk and the assignment of the caller ID to it. Every list, export and statistics query is a
 * constant number of statements, whatever the number of rows. Every write of a finished call appends
 * its contribution to the analytics roll-ups in the same transaction (analytics-rollup-pending.ts, an
 * INSERT that waits for no other call's write): a finished call is counted once, and a change to it
 * takes its old contribution back.
 */
import { sql, type Expression, type ExpressionBuilder, type SqlBool } from 'kysely';
import type { Db } from '../db/database.js';
import { recordContribution } from './analytics-rollup-pending.js';
import { USED_APPROVAL_MESSAGE } from './call-approval-signer.js';
import { writeOrExplain, type ConstraintMessages } from './db-errors.js';
import type { CallRow, CallsTable, Database } from '../db/schema.js';
import { containsPattern, fetchPage, type PageRequest, type PageResult } from './query-helpers.js';

/** A call row with the name of its trunk (and the owner's email, for exports). */
export interface CallListRow extends CallRow {
  trunk_name: string | null;
  user_email: string | null;
}

export interface CallFilter {
  /** null = every user (admins). */
  userId: string | null;
  fromIso?: string;
  /** Exclusive upper bound on started_at. */
  toExclusiveIso?: string;
  trunkId?: string;
  phoneNumberId?: string;
  direction?: string;
  outcome?: string;
  /** Substring of caller_number or remote_number. */
  numberContains?: string;
}

export interface TrunkForCall {
  id: string;
  name: string;
  owner_id: string;
  status: string;
  provider: string;
  /** 1 = the admin lets this trunk place emergency calls. */
  emergency_calls: number;
}

export interface AssignmentForCall {
  assignment_id: string;
  phone_number_id: string;
  number: string;
  is_active: number;
  /** The number's country (ISO 3166-1), when known. */
  country: string | null;
  /** JSON array text, e.g. '["voice","emergency"]'. */
  capabilities: string;
}

export interface CallAggregateRow {
  key_id: string | null;
  key_label: string | null;
  calls: number;
  answered: number;
  avg_duration: number | null;
  avg_mos: number | null;
}

const LIST_EXTRA_COLUMNS = ['t.name as trunk_name', 'u.email as user_email'] as const;

type CallsEb = ExpressionBuilder<Database & { c: CallsTable }, 'c'>;

function toNumberOrNull(v: unknown): number | null {
  if (v === null || v === undefined) return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

const INSERT_MESSAGES: ConstraintMessages = { unique: [[['id'], USED_APPROVAL_MESSAGE]] };

export class CallRepository {
  constructor(private readonly db: Db) {}

  findTrunk(trunkId: string): Promise<TrunkForCall | undefined> {
    return this.db
      .selectFrom('sip_trunks')
      .select(['id', 'name', 'owner_id', 'status', 'provider', 'emergency_calls'])
      .where('id', '=', trunkId)
      .executeTakeFirst();
  }

  /** The assignment of a number (by id or E.164) to a trunk, active or not. */
  findAssignment(
    trunkId: string,
    number: { phoneNumberId: string } | { e164: string },
  ): Promise<AssignmentForCall | undefined> {
    let q = this.db
      .selectFrom('trunk_phone_numbers as a')
      .innerJoin('phone_numbers as n', 'n.id', 'a.phone_number_id')
      .select([
        'a.id as assignment_id',
        'n.id as phone_number_id',
        'n.number',
        'a.is_active',
        'n.country',
        'n.capabilities',
      ])
      .where('a.trunk_id', '=', trunkId);
    q =
      'phoneNumberId' in number
        ? q.where('n.id', '=', number.phoneNumberId)
        : q.where('n.number', '=', number.e164);
    return q.executeTakeFirst();
  }

  /** Runs `fn` in the caller's transaction, or in a new one. */
  private inTransaction<T>(fn: (db: Db) => Promise<T>): Promise<T> {
    return this.db.isTransaction ? fn(this.db) : this.db.transaction().execute(fn);
  }

  async insert(row: CallRow): Promise<void> {
    await this.inTransaction(async (db) => {
      // A taken id: an approved call's record opened twice at once (its approval names the id).
      await writeOrExplain(INSERT_MESSAGES, () => db.insertInto('calls').values(row).execute());
      if (row.outcome === 'in_progress') return;
      await recordContribution(db, 1, sql`c.id = ${row.id}`);
    });
  }

  /** Many records in one statement (the demo history; keep batches to a few hundred rows). */
  async insertMany(rows: CallRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.inTransaction(async (db) => {
      await db.insertInto('calls').values(rows).execute();
      const done = rows.filter((r) => r.outcome !== 'in_progress');
      if (done.length === 0) return;
      await recordContribution(db, 1, sql`c.id in (${sql.join(done.map((r) => r.id))})`);
    });
  }

  /** How many call records refer to this user, trunk or number (they keep it from being deleted). */
  async countReferencing(column: 'user_id' | 'trunk_id' | 'phone_number_id', id: string): Promise<number> {
    const r = await this.db
      .selectFrom('calls')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where(column, '=', id)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async findById(id: string): Promise<CallListRow | undefined> {
    return this.baseSelect().where('c.id', '=', id).executeTakeFirst();
  }

  /**
   * Applies `patch` only while the call is still what the caller read (`expectOutcome`), so a call the
   * sweeper closed in between is not silently overwritten. Returns false when nothing matched.
   */
  async update(
    id: string,
    expectOutcome: string,
    patch: Partial<Omit<CallRow, 'id' | 'user_id' | 'created_at'>>,
  ): Promise<boolean> {
    return this.inTransaction(async (db) => {
      // Lock the row first (a no-op update), so the contribution taken back is the one replaced.
      const locked = await db
        .updateTable('calls')
        .set((eb) => ({ outcome: eb.ref('outcome') }))
        .where('id', '=', id)
        .where('outcome', '=', expectOutcome)
        .executeTakeFirst();
      if (Number(locked.numUpdatedRows) === 0) return false;
      const one = sql`c.id = ${id}`;
      if (expectOutcome !== 'in_progress') await recordContribution(db, -1, one);
      await db.updateTable('calls').set(patch).where('id', '=', id).execute();
      await recordContribution(db, 1, one);
      return true;
    });
  }

  /** Stamps a heartbeat on the user's in-progress call; false when there is no such call. */
  async touch(id: string, userId: string, nowIso: string): Promise<boolean> {
    const r = await this.db
      .updateTable('calls')
      .set({ last_seen_at: nowIso, updated_at: nowIso })
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .where('outcome', '=', 'in_progress')
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  /** In-progress calls whose browser was last heard from before `cutoffIso`, oldest first. */
  findStale(
    cutoffIso: string,
    limit: number,
  ): Promise<Pick<CallRow, 'id' | 'answered_at' | 'last_seen_at'>[]> {
    return this.db
      .selectFrom('calls')
      .select(['id', 'answered_at', 'last_seen_at'])
      .where('outcome', '=', 'in_progress')
      .where('last_seen_at', '<', cutoffIso)
      .orderBy('last_seen_at')
      .limit(limit)
      .execute();
  }

  list(filter: CallFilter, page: PageRequest): Promise<PageResult<CallListRow>> {
    return fetchPage(
      this.joined().where((eb) => this.conditions(eb, filter)),
      (f) =>
        f.selectAll('c').select(LIST_EXTRA_COLUMNS).orderBy('c.started_at', 'desc').orderBy('c.id', 'desc'),
      page,
    );
  }

  /**
   * Every matching call, newest first, read in batches by keyset (started_at, id) so an export of any
   * size keeps memory flat and never skips or repeats a row.
   */
  async *iterate(filter: CallFilter, batchSize = 500): AsyncGenerator<CallListRow> {
    let after: { startedAt: string; id: string } | null = null;
    for (;;) {
      const cursor: { startedAt: string; id: string } | null = after;
      const rows: CallListRow[] = await this.baseSelect()
        .where((eb) => {
          const base = this.conditions(eb, filter);
          if (!cursor) return base;
          return eb.and([
            base,
            eb.or([
              eb('c.started_at', '<', cursor.startedAt),
              eb.and([eb('c.started_at', '=', cursor.startedAt), eb('c.id', '<', cursor.id)]),
            ]),
          ]);
        })
        .orderBy('c.started_at', 'desc')
        .orderBy('c.id', 'desc')
        .limit(batchSize)
        .execute();
      for (const row of rows) yield row;
      const last = rows.at(-1);
      if (!last || rows.length < batchSize) return;
      after = { startedAt: last.started_at, id: last.id };
    }
  }

  /** Calls, answered, average duration and MOS grouped by trunk (`by: 'trunk'`) or by our number. */
  async aggregate(filter: CallFilter, by: 'trunk' | 'number' | 'none'): Promise<CallAggregateRow[]> {
    const figures = this.db
      .selectFrom('calls as c')
      .leftJoin('sip_trunks as t', 't.id', 'c.trunk_id')
      .where((eb) => this.conditions(eb, filter))
      .select([
        sql<string | number>`count(*)`.as('calls'),
        sql<string | number>`sum(case when c.answered_at is not null then 1 else 0 end)`.as('answered'),
        sql<string | number | null>`avg(cast(c.duration_seconds as double precision))`.as('avg_duration'),
        sql<string | number | null>`avg(cast(c.mos as double precision))`.as('avg_mos'),
      ]);
    const grouped =
      by === 'trunk'
        ? figures
            .select(['c.trunk_id as key_id', sql<string | null>`max(t.name)`.as('key_label')])
            .groupBy('c.trunk_id')
            .orderBy(sql`count(*)`, 'desc')
            .orderBy('c.trunk_id')
        : by === 'number'
          ? figures
              .select([
                sql<string | null>`max(c.phone_number_id)`.as('key_id'),
                'c.caller_number as key_label',
              ])
              .groupBy('c.caller_number')
              .orderBy(sql`count(*)`, 'desc')
              .orderBy('c.caller_number')
          : figures.select([sql<null>`null`.as('key_id'), sql<null>`null`.as('key_label')]);
    const rows = await grouped.execute();
    return rows.map((r) => ({
      key_id: r.key_id,
      key_label: r.key_label,
      calls: Number(r.calls),
      answered: Number(r.answered ?? 0),
      avg_duration: toNumberOrNull(r.avg_duration),
      avg_mos: toNumberOrNull(r.avg_mos),
    }));
  }

  private joined() {
    return this.db
      .selectFrom('calls as c')
      .leftJoin('sip_trunks as t', 't.id', 'c.trunk_id')
      .leftJoin('users as u', 'u.id', 'c.user_id');
  }

  private baseSelect() {
    return this.joined().selectAll('c').select(LIST_EXTRA_COLUMNS);
  }

  private conditions(eb: CallsEb, f: CallFilter): Expression<SqlBool> {
    const parts: Expression<SqlBool>[] = [];
    if (f.userId !== null) parts.push(eb('c.user_id', '=', f.userId));
    if (f.fromIso) parts.push(eb('c.started_at', '>=', f.fromIso));
    if (f.toExclusiveIso) parts.push(eb('c.started_at', '<', f.toExclusiveIso));
    if (f.trunkId) parts.push(eb('c.trunk_id', '=', f.trunkId));
    if (f.phoneNumberId) parts.push(eb('c.phone_number_id', '=', f.phoneNumberId));
    if (f.direction) parts.push(eb('c.direction', '=', f.direction));
    if (f.outcome) parts.push(eb('c.outcome', '=', f.outcome));
    if (f.numberContains) {
      const pattern = containsPattern(f.numberContains);
      parts.push(
        eb.or([
          sql<SqlBool>`${eb.ref('c.caller_number')} like ${pattern} escape '\\'`,
          sql<SqlBool>`${eb.ref('c.remote_number')} like ${pattern} escape '\\'`,
        ]),
      );
    }
    return eb.and(parts);
  }
}
