/**
 * Database lookups that tie local rows to Telnyx ids: which Telnyx connections a user's trunks are
 * linked to, local ids for Telnyx ids, and the telephony credential stored per trunk.
 */
import type { Db } from '../../db/database.js';
import { nowIso } from '../../db/json.js';
import { asTelnyxDb, type TelnyxDb } from './telnyx-db.js';

/** Keeps IN (...) lists well under SQLite's and PostgreSQL's bound-parameter limits. */
const CHUNK = 500;

function chunks<T>(items: T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export class TelnyxLinkRepository {
  private readonly db: TelnyxDb;

  constructor(db: Db) {
    this.db = asTelnyxDb(db);
  }

  /** The user's role, for callers that only know the id; null for an unknown or inactive user. */
  async activeUserRole(userId: string): Promise<string | null> {
    const r = await this.db
      .selectFrom('users')
      .select('role')
      .where('id', '=', userId)
      .where('status', '=', 'active')
      .executeTakeFirst();
    return r?.role ?? null;
  }

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
    for (const part of chunks([...new Set(telnyxIds)])) {
      if (!part.length) continue;
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
}
