import { sql, type Kysely } from 'kysely';

/* Initial schema. Portable types only (see db/schema.ts): text ids and timestamps, 0/1 booleans. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('users')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('email', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('default_country', 'text', (c) => c.notNull().defaultTo('US'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('last_login_at', 'text')
    .execute();

  await db.schema
    .createTable('sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('csrf_token', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('last_seen_at', 'text', (c) => c.notNull())
    .addColumn('ip', 'text')
    .addColumn('user_agent', 'text')
    .execute();
  await db.schema.createIndex('sessions_user_idx').on('sessions').column('user_id').execute();

  await db.schema
    .createTable('sip_trunks')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('owner_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('connection_type', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('telnyx_connection_id', 'text', (c) => c.unique())
    .addColumn('telnyx_credential_id', 'text')
    .addColumn('sip_uri', 'text')
    .addColumn('ws_server', 'text')
    .addColumn('sip_username', 'text')
    .addColumn('sip_password_enc', 'text')
    .addColumn('display_name', 'text')
    .addColumn('settings', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('region', 'text')
    .addColumn('location', 'text')
    .addColumn('channel_limit', 'integer')
    .addColumn('notes', 'text')
    .addColumn('health_status', 'text', (c) => c.notNull().defaultTo('unknown'))
    .addColumn('health_checked_at', 'text')
    .addColumn('health_latency_ms', 'integer')
    .addColumn('health_message', 'text')
    .addColumn('missing_at_telnyx_at', 'text')
    .addColumn('activated_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('sip_trunks_owner_status_idx')
    .on('sip_trunks')
    .columns(['owner_id', 'status', 'name'])
    .execute();

  await db.schema
    .createTable('phone_numbers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('owner_id', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('number', 'text', (c) => c.notNull().unique())
    .addColumn('country', 'text')
    .addColumn('area_code', 'text')
    .addColumn('city', 'text')
    .addColumn('region', 'text')
    .addColumn('carrier', 'text')
    .addColumn('number_type', 'text', (c) => c.notNull().defaultTo('unknown'))
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('active'))
    .addColumn('capabilities', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('telnyx_number_id', 'text', (c) => c.unique())
    .addColumn('monthly_rate', 'real')
    .addColumn('purchased_at', 'text')
    .addColumn('metadata', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('missing_at_telnyx_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('trunk_phone_numbers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('trunk_id', 'text', (c) => c.notNull().references('sip_trunks.id').onDelete('cascade'))
    .addColumn('phone_number_id', 'text', (c) =>
      c.notNull().references('phone_numbers.id').onDelete('cascade'),
    )
    .addColumn('assignment_type', 'text', (c) => c.notNull())
    .addColumn('is_active', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('assigned_at', 'text', (c) => c.notNull())
    .addColumn('last_used_at', 'text')
    .addColumn('settings', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('trunk_phone_numbers_trunk_number_uq', ['trunk_id', 'phone_number_id'])
    .execute();
  // The database itself enforces the two assignment rules, so no race between app instances breaks them.
  await db.schema
    .createIndex('trunk_phone_numbers_one_active_trunk_uq')
    .on('trunk_phone_numbers')
    .column('phone_number_id')
    .unique()
    .where(sql.ref('is_active'), '=', 1)
    .execute();
  await db.schema
    .createIndex('trunk_phone_numbers_one_primary_uq')
    .on('trunk_phone_numbers')
    .column('trunk_id')
    .unique()
    .where((eb) => eb.and([eb(sql.ref('is_active'), '=', 1), eb(sql.ref('assignment_type'), '=', 'primary')]))
    .execute();
  await db.schema
    .createIndex('trunk_phone_numbers_trunk_idx')
    .on('trunk_phone_numbers')
    .columns(['trunk_id', 'is_active'])
    .execute();

  await db.schema
    .createTable('calls')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('trunk_id', 'text', (c) => c.references('sip_trunks.id').onDelete('set null'))
    .addColumn('phone_number_id', 'text', (c) => c.references('phone_numbers.id').onDelete('set null'))
    .addColumn('caller_number', 'text')
    .addColumn('remote_number', 'text', (c) => c.notNull())
    .addColumn('direction', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('hangup_cause', 'text')
    .addColumn('sip_code', 'integer')
    .addColumn('sip_call_id', 'text')
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('answered_at', 'text')
    .addColumn('ended_at', 'text')
    .addColumn('duration_seconds', 'integer')
    .addColumn('mos', 'real')
    .addColumn('jitter_ms', 'real')
    .addColumn('packet_loss_pct', 'real')
    .addColumn('rtt_ms', 'real')
    .addColumn('last_seen_at', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('calls_user_started_idx')
    .on('calls')
    .columns(['user_id', 'started_at'])
    .execute();
  await db.schema.createIndex('calls_trunk_idx').on('calls').columns(['trunk_id', 'started_at']).execute();
  await db.schema.createIndex('calls_outcome_idx').on('calls').columns(['outcome', 'last_seen_at']).execute();

  await db.schema
    .createTable('audit_log')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('actor_id', 'text')
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('entity_type', 'text', (c) => c.notNull())
    .addColumn('entity_id', 'text')
    .addColumn('details', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('audit_log_created_idx').on('audit_log').column('created_at').execute();

  await db.schema
    .createTable('sync_runs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('triggered_by', 'text')
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('finished_at', 'text')
    .addColumn('heartbeat_at', 'text', (c) => c.notNull())
    .addColumn('pages_total', 'integer')
    .addColumn('pages_done', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('counts', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('errors', 'text', (c) => c.notNull().defaultTo('[]'))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of [
    'sync_runs',
    'audit_log',
    'calls',
    'trunk_phone_numbers',
    'phone_numbers',
    'sip_trunks',
    'sessions',
    'users',
  ]) {
    await db.schema.dropTable(t).ifExists().execute();
  }
}
