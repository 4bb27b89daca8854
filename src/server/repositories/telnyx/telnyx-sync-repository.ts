/**
 * Writes one page of Telnyx data into the database. The sync uses it through a transaction-bound instance
 * (UnitOfWork.run, one transaction per page), reads what exists for the page's ids in a few set-based queries, and writes only what
 * differs, so a second sync writes nothing but the "seen in run X" marks.
 *
 * Ownership of fields: a new trunk is created from everything Telnyx reports; afterwards Telnyx owns only
 * the connection's credential identity (user name, SIP URI) and its state (active, missing), and for
 * numbers what it reports (number, status, type, country, its connection at Telnyx). The app owns local
 * decisions: a trunk's name, status, region, capacity and settings, which trunk a number is actively
 * assigned to once assigned, assignment types. A difference in what the app owns is reported as drift,
 * never overwritten.
 *
 * A little over 400 lines: trunks, numbers and assignments of a page are written here together because
 * they are one page's writes in one transaction, sharing the same set-based reads; a split by table would
 * pass those reads between modules.
 */
import crypto from 'node:crypto';
import type { SyncCounts } from '../../../shared/telnyx.js';
import type { AssignmentType } from '../../../shared/domain.js';
import type { Db } from '../../db/database.js';
import { parseJson } from '../../db/json.js';
import { EMERGENCY_CAPABILITY } from '../../../shared/emergency-numbers.js';
import type { AssignmentRow, NewPhoneNumberRow, SipTrunkRow } from '../../db/schema.js';
import { chunked, valuesTable } from '../query-helpers.js';
import {
  numberStatusFromTelnyx,
  numberTypeFromTelnyx,
  settingsFromTelnyx,
  sipUriFor,
} from './telnyx-mapping.js';
import type { TelnyxConnection, TelnyxPhoneNumber } from './telnyx-repository.js';

/** What applyNumbers compares with Telnyx's answer (and the id it links by). */
const COMPARED_NUMBER_COLUMNS = [
  'id',
  'number',
  'country',
  'number_type',
  'status',
  'telnyx_number_id',
  'telnyx_connection_id',
  'purchased_at',
  'missing_at_telnyx_at',
  'capabilities',
] as const;

/** What applyNumbers reads of an existing number: the compared columns and its active trunk (0014's copy). */
const READ_NUMBER_COLUMNS = [...COMPARED_NUMBER_COLUMNS, 'assigned_trunk_id'] as const;
const READ_NUMBER_COLUMNS_JOINED = READ_NUMBER_COLUMNS.map((c) => `phone_numbers.${c}` as const);

/** A number of the page as stored (or just inserted): its id and active trunk. */
interface PagePhone {
  id: string;
  activeTrunkId: string | null;
  /** Inserted by this page: it has no assignment rows yet. */
  isNew: boolean;
}

/** An assignment the page creates: a new row, or an earlier (inactive) row made active again. */
interface PlannedAssignment {
  phoneId: string;
  trunkId: string;
  type: AssignmentType;
  earlierId: string | null;
}

export class TelnyxSyncRepository {
  constructor(private readonly db: Db) {}

  async applyConnections(
    runId: string,
    items: TelnyxConnection[],
    ownerId: string,
    counts: SyncCounts['connections'],
    now: string,
  ): Promise<void> {
    if (!items.length) return;
    const ids = items.map((c) => c.id);
    const existing = new Map(
      (
        await this.db.selectFrom('sip_trunks').selectAll().where('telnyx_connection_id', 'in', ids).execute()
      ).map((r) => [r.telnyx_connection_id!, r]),
    );
    const inserts: SipTrunkRow[] = [];
    for (const c of items) {
      const row = existing.get(c.id);
      if (!row) {
        inserts.push({
          id: crypto.randomUUID(),
          owner_id: ownerId,
          name: c.name,
          provider: 'telnyx',
          connection_type: 'credential',
          status: c.active ? 'active' : 'inactive',
          telnyx_connection_id: c.id,
          telnyx_credential_id: null,
          sip_uri: sipUriFor(c),
          ws_server: null,
          sip_username: c.userName,
          sip_password_enc: null,
          display_name: null,
          settings: JSON.stringify(settingsFromTelnyx(c)),
          region: c.anchorsite,
          location: null,
          channel_limit: c.channelLimit,
          notes: 'Imported from Telnyx',
          health_status: 'unknown',
          health_checked_at: null,
          health_latency_ms: null,
          health_message: null,
          missing_at_telnyx_at: null,
          emergency_calls: 0,
          activated_at: c.active ? now : null,
          created_at: now,
          updated_at: now,
          telnyx_active: c.active ? 1 : 0,
          telnyx_seen_run_id: runId,
        });
        counts.created++;
        continue;
      }
      // After import the trunk is the admin's (name, region, capacity, settings); Telnyx keeps owning the
      // credential identity (user name, hence SIP URI) and its own state (active, still there).
      const desired = {
        sip_uri: sipUriFor(c),
        sip_username: c.userName,
        telnyx_active: c.active ? 1 : 0,
        missing_at_telnyx_at: null,
      };
      const changed =
        row.sip_uri !== desired.sip_uri ||
        row.sip_username !== desired.sip_username ||
        (row.telnyx_active === null ? null : Number(row.telnyx_active)) !== desired.telnyx_active ||
        row.missing_at_telnyx_at !== null;
      if (changed) {
        await this.db
          .updateTable('sip_trunks')
          .set({ ...desired, updated_at: now })
          .where('id', '=', row.id)
          .execute();
        counts.updated++;
      } else {
        counts.unchanged++;
      }
    }
    if (inserts.length) await this.db.insertInto('sip_trunks').values(inserts).execute();
  }

  /** Telnyx connection id -> local trunk id, for every linked trunk. */
  async trunkIdsByConnection(): Promise<Map<string, string>> {
    const rows = await this.db
      .selectFrom('sip_trunks')
      .select(['id', 'telnyx_connection_id'])
      .where('telnyx_connection_id', 'is not', null)
      .execute();
    return new Map(rows.map((r) => [r.telnyx_connection_id!, r.id]));
  }

  async applyNumbers(
    runId: string,
    items: TelnyxPhoneNumber[],
    trunkByConnection: Map<string, string>,
    ownerId: string,
    counts: SyncCounts,
    now: string,
  ): Promise<void> {
    if (!items.length) return;
    const ids = items.map((n) => n.id);
    // Only the columns compared below (and the number's active trunk, for the assignments): a sync with
    // nothing to change is this read and nothing else.
    const byTelnyxId = new Map(
      (
        await this.db
          .selectFrom('phone_numbers')
          .select(READ_NUMBER_COLUMNS)
          .where('telnyx_number_id', 'in', ids)
          .execute()
      ).map((r) => [r.telnyx_number_id!, r]),
    );
    // A number already entered by hand (same E.164, no or another Telnyx id) is linked, not duplicated.
    // Joined with the page's numbers as a VALUES list rather than `number in (...)` (valuesTable: a
    // first sync read the trigram index's pending list once per number, 0.5-5 s per page).
    const unmatched = items.filter((n) => !byTelnyxId.has(n.id)).map((n) => n.phoneNumber);
    const byNumber = new Map(
      unmatched.length
        ? (
            await this.db
              .with('page_numbers(number)', () => valuesTable<'number'>(unmatched))
              .selectFrom('page_numbers')
              .innerJoin('phone_numbers', 'phone_numbers.number', 'page_numbers.number')
              .select(READ_NUMBER_COLUMNS_JOINED)
              .execute()
          ).map((r) => [r.number, r])
        : [],
    );

    const inserts: NewPhoneNumberRow[] = [];
    const insertById = new Map<string, NewPhoneNumberRow>();
    const phoneByTelnyxId = new Map<string, PagePhone>();
    for (const n of items) {
      const row = byTelnyxId.get(n.id) ?? byNumber.get(n.phoneNumber);
      const desired = {
        number: n.phoneNumber,
        country: n.country,
        number_type: numberTypeFromTelnyx(n.numberType),
        status: numberStatusFromTelnyx(n.status),
        telnyx_number_id: n.id,
        telnyx_connection_id: n.connectionId,
        purchased_at: n.purchasedAt,
        missing_at_telnyx_at: null,
      };
      if (!row) {
        const id = crypto.randomUUID();
        const insert: NewPhoneNumberRow = {
          id,
          owner_id: ownerId,
          area_code: null,
          city: null,
          region: null,
          carrier: 'Telnyx',
          capabilities: JSON.stringify(n.emergencyEnabled ? ['voice', EMERGENCY_CAPABILITY] : ['voice']),
          monthly_rate: null,
          metadata: '{}',
          created_at: now,
          updated_at: now,
          telnyx_seen_run_id: runId,
          ...desired,
        };
        inserts.push(insert);
        insertById.set(id, insert);
        phoneByTelnyxId.set(n.id, { id, activeTrunkId: null, isNew: true });
        counts.numbers.created++;
        continue;
      }
      phoneByTelnyxId.set(n.id, { id: row.id, activeTrunkId: row.assigned_trunk_id, isNew: false });
      // Only the "emergency" capability follows Telnyx's emergency_enabled; the others are the admin's.
      const capabilities = withEmergency(row.capabilities, n.emergencyEnabled);
      const changed =
        capabilities !== row.capabilities ||
        (Object.keys(desired) as (keyof typeof desired)[]).some((k) => row[k] !== desired[k]);
      if (changed) {
        await this.db
          .updateTable('phone_numbers')
          .set({ ...desired, capabilities, updated_at: now, telnyx_seen_run_id: runId })
          .where('id', '=', row.id)
          .execute();
        counts.numbers.updated++;
      } else {
        counts.numbers.unchanged++;
      }
    }
    const assignments = await this.planAssignments(
      items,
      phoneByTelnyxId,
      trunkByConnection,
      counts.assignments,
    );
    // A new number goes in with the copy of the assignment it gets below, in this transaction: the
    // database's trigger then has nothing to rewrite (0021; on PostgreSQL it compares already), where it
    // used to write every new number a second time.
    for (const a of assignments) {
      const insert = insertById.get(a.phoneId);
      if (!insert) continue;
      insert.assigned_trunk_id = a.trunkId;
      insert.assigned_type = a.type;
    }
    if (inserts.length) await this.db.insertInto('phone_numbers').values(inserts).execute();
    await this.writeAssignments(assignments, now);
  }

  /**
   * Each number's connection at Telnyx becomes an active assignment when the number has none locally.
   * A number actively assigned to another trunk is left alone (a conflict, listed in the drift report).
   * New assignment type: an earlier inactive row's type is kept; otherwise primary when the trunk has no
   * active primary yet, else secondary.
   * A number's active trunk comes with the number (phone_numbers.assigned_trunk_id, which the database
   * keeps, migration 0014), so assignments are read only for numbers that need one and existed before
   * this page (a number inserted just now has no earlier row): none when nothing changed at Telnyx, and
   * none in a first sync.
   */
  private async planAssignments(
    items: TelnyxPhoneNumber[],
    phoneByTelnyxId: Map<string, PagePhone>,
    trunkByConnection: Map<string, string>,
    counts: SyncCounts['assignments'],
  ): Promise<PlannedAssignment[]> {
    const needed: { phone: PagePhone; trunkId: string }[] = [];
    for (const n of items) {
      const trunkId = n.connectionId ? trunkByConnection.get(n.connectionId) : undefined;
      const phone = phoneByTelnyxId.get(n.id);
      if (!trunkId || !phone) continue;
      if (phone.activeTrunkId === null) needed.push({ phone, trunkId });
      else if (phone.activeTrunkId === trunkId) counts.unchanged++;
      else counts.conflicts++;
    }
    if (!needed.length) return [];
    const existingIds = needed.filter((w) => !w.phone.isNew).map((w) => w.phone.id);
    const earlierRows = existingIds.length
      ? await this.db
          .selectFrom('trunk_phone_numbers')
          .select(['id', 'trunk_id', 'phone_number_id', 'assignment_type'])
          .where('phone_number_id', 'in', existingIds)
          .execute()
      : [];
    const byPair = new Map(earlierRows.map((r) => [`${r.trunk_id}|${r.phone_number_id}`, r]));
    const trunkIds = [...new Set(needed.map((w) => w.trunkId))];
    const withPrimary = new Set(
      (
        await this.db
          .selectFrom('trunk_phone_numbers')
          .select('trunk_id')
          .where('trunk_id', 'in', trunkIds)
          .where('is_active', '=', 1)
          .where('assignment_type', '=', 'primary')
          .execute()
      ).map((r) => r.trunk_id),
    );
    const planned: PlannedAssignment[] = [];
    for (const w of needed) {
      const earlier = byPair.get(`${w.trunkId}|${w.phone.id}`);
      let type: AssignmentType = earlier ? (earlier.assignment_type as AssignmentType) : 'primary';
      if (!earlier && withPrimary.has(w.trunkId)) type = 'secondary';
      if (type === 'primary' && withPrimary.has(w.trunkId)) type = 'secondary';
      if (type === 'primary') withPrimary.add(w.trunkId);
      planned.push({ phoneId: w.phone.id, trunkId: w.trunkId, type, earlierId: earlier?.id ?? null });
      counts.created++;
    }
    return planned;
  }

  private async writeAssignments(planned: PlannedAssignment[], now: string): Promise<void> {
    const inserts: AssignmentRow[] = [];
    for (const a of planned) {
      if (a.earlierId) {
        await this.db
          .updateTable('trunk_phone_numbers')
          .set({ is_active: 1, assignment_type: a.type, assigned_at: now, updated_at: now })
          .where('id', '=', a.earlierId)
          .execute();
      } else {
        inserts.push({
          id: crypto.randomUUID(),
          trunk_id: a.trunkId,
          phone_number_id: a.phoneId,
          assignment_type: a.type,
          is_active: 1,
          assigned_at: now,
          last_used_at: null,
          settings: '{}',
          created_at: now,
          updated_at: now,
        });
      }
    }
    if (inserts.length) await this.db.insertInto('trunk_phone_numbers').values(inserts).execute();
  }

  /**
   * Marks linked trunks Telnyx no longer has: not among `seen` (every connection id of this complete
   * run). Returns how many. Rows that are still there are not written (a sync with nothing to change
   * writes no row).
   */
  async markMissingConnections(seen: ReadonlySet<string>, now: string): Promise<number> {
    const linked = await this.db
      .selectFrom('sip_trunks')
      .select(['id', 'telnyx_connection_id'])
      .where('telnyx_connection_id', 'is not', null)
      .where('missing_at_telnyx_at', 'is', null)
      .execute();
    const gone = linked.filter((r) => !seen.has(r.telnyx_connection_id!)).map((r) => r.id);
    for (const ids of chunked(gone)) {
      await this.db
        .updateTable('sip_trunks')
        .set({ missing_at_telnyx_at: now, updated_at: now })
        .where('id', 'in', ids)
        .execute();
    }
    return gone.length;
  }

  /** The same for numbers: linked numbers whose Telnyx id is not among `seen`. */
  async markMissingNumbers(seen: ReadonlySet<string>, now: string): Promise<number> {
    const linked = await this.db
      .selectFrom('phone_numbers')
      .select(['id', 'telnyx_number_id'])
      .where('telnyx_number_id', 'is not', null)
      .where('missing_at_telnyx_at', 'is', null)
      .execute();
    const gone = linked.filter((r) => !seen.has(r.telnyx_number_id!)).map((r) => r.id);
    for (const ids of chunked(gone)) {
      await this.db
        .updateTable('phone_numbers')
        .set({ missing_at_telnyx_at: now, updated_at: now })
        .where('id', 'in', ids)
        .execute();
    }
    return gone.length;
  }
}

/** A capabilities JSON array with "emergency" added or removed; the same text when nothing changes. */
function withEmergency(capabilities: string, enabled: boolean): string {
  const parsed = parseJson<unknown>(capabilities, []);
  const list = Array.isArray(parsed) ? parsed.filter((c): c is string => typeof c === 'string') : [];
  if (list.includes(EMERGENCY_CAPABILITY) === enabled) return capabilities;
  return JSON.stringify(
    enabled ? [...list, EMERGENCY_CAPABILITY] : list.filter((c) => c !== EMERGENCY_CAPABILITY),
  );
}
