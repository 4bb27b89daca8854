/**
 * Pushes a local assignment to Telnyx: PATCH the number's connection_id to the trunk's Telnyx
 * connection, so Telnyx routes the number the way the database says. Success is recorded locally
 * (the number's known connection at Telnyx, an audit entry, in one transaction); Telnyx's own error is
 * passed on otherwise.
 */
import { ConflictError, NotFoundError } from '../../shared/errors.js';
import type { PushTelnyxResultDto } from '../../shared/telnyx.js';
import { nowIso } from '../db/json.js';
import type { Repositories, UnitOfWork } from '../repositories/index.js';
import type { TelnyxRepository } from '../repositories/telnyx/telnyx-repository.js';
import { telnyxNotConfigured } from '../repositories/telnyx/telnyx-repository.js';
import type { ActorId } from './admin-rules.js';

export class TelnyxAssignmentService {
  constructor(
    private readonly repos: Pick<Repositories, 'telnyxLinks'>,
    private readonly transaction: UnitOfWork,
    private readonly telnyx: TelnyxRepository,
  ) {}

  async push(assignmentId: string, actorId: ActorId): Promise<PushTelnyxResultDto> {
    if (!this.telnyx.configured) throw telnyxNotConfigured();
    const row = await this.repos.telnyxLinks.findAssignmentForPush(assignmentId);
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
    await this.transaction.run(async ({ telnyxLinks, audit }) => {
      await telnyxLinks.setNumberConnection(row.phone_id, updated.connectionId, nowIso());
      await audit.record({
        actorId,
        action: 'assignment.push_telnyx',
        entityType: 'trunk_phone_number',
        entityId: row.id,
        details: {
          number: row.number,
          telnyxNumberId: row.telnyx_number_id,
          from: row.current_connection_id,
          to: row.connection_id,
        },
      });
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
