/**
 * Pushes a local assignment to Telnyx: PATCH the number's connection_id to the trunk's Telnyx
 * connection, so Telnyx routes the number the way the database says. Success is recorded locally
 * (the number's known connection at Telnyx, an audit entry); Telnyx's own error is passed on otherwise.
 */
import crypto from 'node:crypto';
import { ConflictError, NotFoundError } from '../../shared/errors.js';
import type { PushTelnyxResultDto } from '../../shared/telnyx.js';
import type { Db } from '../db/database.js';
import { nowIso } from '../db/json.js';
import { asTelnyxDb, type TelnyxDb } from '../repositories/telnyx/telnyx-db.js';
import type { TelnyxRepository } from '../repositories/telnyx/telnyx-repository.js';
import { telnyxNotConfigured } from '../repositories/telnyx/telnyx-repository.js';

export class TelnyxAssignmentService {
  private readonly db: TelnyxDb;

  constructor(
    db: Db,
    private readonly telnyx: TelnyxRepository,
  ) {
    this.db = asTelnyxDb(db);
  }

  async push(assignmentId: string, actorId: string | null): Promise<PushTelnyxResultDto> {
    if (!this.telnyx.configured) throw telnyxNotConfigured();
    const row = await this.db
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
    if (!row) throw new NotFoundError('Assignment');
    if (Number(row.is_active) !== 1)
      throw new ConflictError('Only an active assignment can be pushed to Telnyx');
    if (!row.connection_id) {
      throw new ConflictError(`"${row.trunk_name}" is not linked to a Telnyx connection`);
    }
    if (!row.telnyx_number_id) {
      throw new ConflictError(`${row.number} is not a Telnyx number (run a Telnyx sync to link it)`);
    }
    const updated = await this.telnyx.setNumberConnection(row.telnyx_number_id, row.connection_id);
    const now = nowIso();
    await this.db.transaction().execute(async (trx) => {
      await trx
        .updateTable('phone_numbers')
        .set({ telnyx_connection_id: updated.connectionId, updated_at: now })
        .where('id', '=', row.phone_id)
        .execute();
      await trx
        .insertInto('audit_log')
        .values({
          id: crypto.randomUUID(),
          actor_id: actorId,
          action: 'assignment.push_telnyx',
          entity_type: 'trunk_phone_number',
          entity_id: row.id,
          details: JSON.stringify({
            number: row.number,
            telnyxNumberId: row.telnyx_number_id,
            from: row.current_connection_id,
            to: row.connection_id,
          }),
          created_at: now,
        })
        .execute();
    });
    return {
      ok: true,
      assignmentId: row.id,
      number: row.number,
      telnyxNumberId: row.telnyx_number_id,
      telnyxConnectionId: row.connection_id,
      alreadyThere: row.current_connection_id === row.connection_id,
    };
  }
}
