/**
 * Database lookups that tie local rows to Telnyx ids: which Telnyx connections a user's trunks are
 * linked to, local ids for Telnyx ids, the telephony credential stored per trunk, and what pushing an
 * assignment to Telnyx needs to know and records.
 */
import type { Db } from '../../db/database.js';
import { nowIso } from '../../db/json.js';
import { chunked } from '../query-helpers.js';

/** An assignment with the Telnyx ids of its trunk and number (POST /api/admin/assignments/:id/push-telnyx). */
export interface AssignmentForPush {
  id: string;
  is_active: number;
  trunk_name: string;
  /** The trunk's Telnyx connection. */
  connection_id: string | null;
  phone_id: string;
  number: string;
  telnyx_number_id: string | null;
  /** The connection Telnyx routes the number to, as last known. */
  current_connection_id: string | null;
}

export class TelnyxLinkRepository {
  constructor(private readonly db: Db) {}

  /** Telnyx connection id -> trunk id, for the owner's trunks (or all trunks when ownerId is null). */
  async trunksByConnection(ownerId: string | null): Promise<Map<string, string>> {
    let q = this.db
      .selectFrom('sip_trunks')
      .select(['id', 'telnyx_connection_id'])
      .where('telnyx_connection_id', 'is not', null);
    if (ownerId !== null) q = q.where('owner_id', '=', ownerId);
    const rows = await q.execute();
    return new Map(rows.map((r) => [r.telnyx_connection_id!, r.id]));
  }

  async numberIdsByTelnyxId(telnyxIds: string[]): Promise<Map<string, string>> {
    const map = new Map<string, string>();
    for (const part of chunked([...new Set(telnyxIds)])) {
      const rows = await this.db
        .selectFrom('phone_numbers')
        .select(['id', 'telnyx_number_id'])
        .where('telnyx_number_id', 'in', part)
        .execute();
      for (const r of rows) map.set(r.telnyx_number_id!, r.id);
    }
    return map;
  }

  /**
   * Stores the credential only if the trunk has none yet, so two app instances minting at once keep one.
   * Returns the credential id the trunk ends up with.
   */
  async saveCredentialId(trunkId: string, credentialId: string, replacing: string | null): Promise<string> {
    let q = this.db
      .updateTable('sip_trunks')
      .set({ telnyx_credential_id: credentialId, updated_at: nowIso() })
      .where('id', '=', trunkId);
    q =
      replacing === null
        ? q.where('telnyx_credential_id', 'is', null)
        : q.where('telnyx_credential_id', '=', replacing);
    await q.execute();
    const row = await this.db
      .selectFrom('sip_trunks')
      .select('telnyx_credential_id')
      .where('id', '=', trunkId)
      .executeTakeFirst();
    return row?.telnyx_credential_id ?? credentialId;
  }

  findAssignmentForPush(assignmentId: string): Promise<AssignmentForPush | undefined> {
    return this.db
      .selectFrom('trunk_phone_numbers as a')
      .innerJoin('sip_trunks as t', 't.id', 'a.trunk_id')
      .innerJoin('phone_numbers as p', 'p.id', 'a.phone_number_id')
      .select([
        'a.id as id',
        'a.is_active as is_active',
        't.name as trunk_name',
        't.telnyx_connection_id as connection_id',
        'p.id as phone_id',
        'p.number as number',
        'p.telnyx_number_id as telnyx_number_id',
        'p.telnyx_connection_id as current_connection_id',
      ])
      .where('a.id', '=', assignmentId)
      .executeTakeFirst();
  }

  /** Records the connection Telnyx now routes the number to (after a confirmed push). */
  async setNumberConnection(phoneNumberId: string, connectionId: string | null, at: string): Promise<void> {
    await this.db
      .updateTable('phone_numbers')
      .set({ telnyx_connection_id: connectionId, updated_at: at })
      .where('id', '=', phoneNumberId)
      .execute();
  }
}
