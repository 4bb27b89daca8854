import type { Kysely } from 'kysely';

/*
 * Indexes behind the admin console's lists (issue 10): each filter of the numbers list leads an index
 * that ends with the number, so "first page of the numbers in GB" walks the index in display order and
 * stops after one page instead of sorting 100,000 rows; the trunks list's dropdown filters; the audit
 * log's filters, each ending with created_at (newest first). The number itself (unique), the assignment
 * rules' partial unique indexes (0001) and trunk_phone_numbers(trunk_id, is_active) already serve the
 * rest. Same indexes on SQLite and PostgreSQL.
 */
const INDEXES: [name: string, table: string, columns: string[]][] = [
  ['phone_numbers_country_idx', 'phone_numbers', ['country', 'number']],
  ['phone_numbers_area_code_idx', 'phone_numbers', ['area_code', 'number']],
  ['phone_numbers_status_idx', 'phone_numbers', ['status', 'number']],
  ['phone_numbers_type_idx', 'phone_numbers', ['number_type', 'number']],
  ['phone_numbers_owner_idx', 'phone_numbers', ['owner_id', 'number']],
  ['sip_trunks_name_idx', 'sip_trunks', ['name']],
  ['sip_trunks_provider_idx', 'sip_trunks', ['provider', 'name']],
  ['sip_trunks_region_idx', 'sip_trunks', ['region', 'name']],
  ['sip_trunks_health_idx', 'sip_trunks', ['health_status', 'name']],
  ['trunk_phone_numbers_number_idx', 'trunk_phone_numbers', ['phone_number_id', 'is_active']],
  ['audit_log_actor_idx', 'audit_log', ['actor_id', 'created_at']],
  ['audit_log_entity_idx', 'audit_log', ['entity_type', 'created_at']],
  ['audit_log_entity_id_idx', 'audit_log', ['entity_id', 'created_at']],
  ['audit_log_action_idx', 'audit_log', ['action', 'created_at']],
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const [name, table, columns] of INDEXES) {
    await db.schema.createIndex(name).ifNotExists().on(table).columns(columns).execute();
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const [name] of INDEXES) await db.schema.dropIndex(name).ifExists().execute();
}
