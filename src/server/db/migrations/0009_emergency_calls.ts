import type { Kysely } from 'kysely';

/*
 * Emergency calls (issue 14): whether a connection may place calls to the emergency numbers of its caller
 * ID's country. Admins set it for `sip` trunks (a trunk without an emergency service, or without a
 * registered address, must not be used for 911/112); Telnyx numbers carry `emergency_enabled`, kept as
 * the capability "emergency" on the number. Off by default: an existing trunk is not trusted with
 * emergency calls until an admin says so.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('sip_trunks')
    .addColumn('emergency_calls', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('sip_trunks').dropColumn('emergency_calls').execute();
}
