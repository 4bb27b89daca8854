/**
 * The columns migration 0002_telnyx adds, as Kysely types. Kept here (not in db/schema.ts) because only
 * the Telnyx repositories read or write them; everyone else keeps using `Db` unchanged.
 */
import type { Kysely } from 'kysely';
import type { Db } from '../../db/database.js';
import type { Database, PhoneNumbersTable, SipTrunksTable, SyncRunsTable } from '../../db/schema.js';

export interface TelnyxDatabase extends Omit<Database, 'sip_trunks' | 'phone_numbers' | 'sync_runs'> {
  sip_trunks: SipTrunksTable & {
    /** Telnyx's `active` at the last sync (1/0); null = never synced. */
    telnyx_active: number | null;
    telnyx_seen_run_id: string | null;
  };
  phone_numbers: PhoneNumbersTable & {
    /** The connection Telnyx routes the number to, as of the last sync (or the last push). */
    telnyx_connection_id: string | null;
    telnyx_seen_run_id: string | null;
  };
  sync_runs: SyncRunsTable & {
    /** `hostname:pid` of the process running it, to tell a crashed run from a live one. */
    runner: string | null;
  };
}

export type TelnyxDb = Kysely<TelnyxDatabase>;

export function asTelnyxDb(db: Db): TelnyxDb {
  return db as unknown as TelnyxDb;
}
