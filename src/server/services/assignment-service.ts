/**
 * Admin management of number-to-trunk assignments. The two rules (a number is actively assigned to at
 * most one trunk; a trunk has at most one active primary) are checked here first, to answer with a
 * message that names the number and the trunk, and enforced by the database's partial unique indexes,
 * which the repository turns into 409s if two admins race.
 */
import crypto from 'node:crypto';
import type { AdminAssignmentDto } from '../../shared/admin-api.js';
import { ConflictError, NotFoundError, ValidationError } from '../../shared/errors.js';
import type { CreateAssignmentRequest, UpdateAssignmentRequest } from '../../shared/schemas/admin.js';
import { nowIso } from '../db/json.js';
import type { AssignmentRow, AssignmentUpdate } from '../db/schema.js';
import type { AssignmentFilters, AssignmentView } from '../repositories/assignment-repository.js';
import type { Repositories, UnitOfWork } from '../repositories/index.js';
import { toAdminAssignmentDto } from './admin-mappers.js';
import { AdminReads } from './admin-reads.js';
import { adminAudit, deleteAudited, type ActorId } from './admin-rules.js';

type AssignmentReads = Pick<Repositories['assignments'], 'findActiveForNumber' | 'findActivePrimary'>;

export class AssignmentService extends AdminReads<AssignmentFilters, AssignmentView, AdminAssignmentDto> {
  constructor(
    repos: Pick<Repositories, 'assignments'>,
    private readonly transaction: UnitOfWork,
  ) {
    super(repos.assignments, 'Assignment', toAdminAssignmentDto);
  }

  async create(
    input: CreateAssignmentRequest,
    actorId: ActorId,
    options: { id?: string } = {},
  ): Promise<AdminAssignmentDto> {
    return this.transaction.run(async ({ assignments, trunks, phoneNumbers, audit }) => {
      const trunk = await trunks.findById(input.trunkId);
      if (!trunk) throw new ValidationError('trunkId: no trunk with this id exists.', { field: 'trunkId' });
      const number = await phoneNumbers.findById(input.phoneNumberId);
      if (!number)
        throw new ValidationError('phoneNumberId: no phone number with this id exists.', {
          field: 'phoneNumberId',
        });
      const existing = await assignments.findByTrunkAndNumber(trunk.id, number.id);
      if (existing) {
        throw new ConflictError(
          `${number.number} is already assigned to trunk ${trunk.name} (as ${existing.assignment_type}${existing.is_active ? '' : ', inactive'}); update that assignment instead.`,
          { assignmentId: existing.id },
        );
      }
      const isActive = input.isActive ?? true;
      if (isActive)
        await this.checkRules(assignments, {
          trunkId: trunk.id,
          trunkName: trunk.name,
          phoneNumberId: number.id,
          number: number.number,
          type: input.assignmentType,
        });
      const now = nowIso();
      const row: AssignmentRow = {
        id: options.id ?? crypto.randomUUID(),
        trunk_id: trunk.id,
        phone_number_id: number.id,
        assignment_type: input.assignmentType,
        is_active: isActive ? 1 : 0,
        assigned_at: now,
        last_used_at: null,
        settings: JSON.stringify(input.settings ?? {}),
        created_at: now,
        updated_at: now,
      };
      await assignments.insert(row);
      await audit.record(
        adminAudit(actorId, 'assignment', 'create', row.id, {
          trunkId: trunk.id,
          trunkName: trunk.name,
          number: number.number,
          assignmentType: row.assignment_type,
          isActive,
        }),
      );
      return toAdminAssignmentDto((await assignments.findById(row.id))!);
    });
  }

  async update(id: string, input: UpdateAssignmentRequest, actorId: ActorId): Promise<AdminAssignmentDto> {
    return this.transaction.run(async ({ assignments, audit }) => {
      const current = await assignments.findById(id);
      if (!current) throw new NotFoundError('Assignment');
      const type = input.assignmentType ?? current.assignment_type;
      const isActive = input.isActive ?? Number(current.is_active) === 1;
      if (isActive) {
        await this.checkRules(
          assignments,
          {
            trunkId: current.trunk_id,
            trunkName: current.trunk_name,
            phoneNumberId: current.phone_number_id,
            number: current.number,
            type,
          },
          id,
        );
      }
      const patch: AssignmentUpdate = {};
      const changed: string[] = [];
      if (input.assignmentType !== undefined && input.assignmentType !== current.assignment_type) {
        patch.assignment_type = input.assignmentType;
        changed.push('assignmentType');
      }
      if (input.isActive !== undefined && (input.isActive ? 1 : 0) !== Number(current.is_active)) {
        patch.is_active = input.isActive ? 1 : 0;
        // Re-activating is a new assignment as far as "assigned since" is concerned.
        if (input.isActive) patch.assigned_at = nowIso();
        changed.push('isActive');
      }
      if (input.settings !== undefined) {
        patch.settings = JSON.stringify(input.settings);
        changed.push('settings');
      }
      if (changed.length > 0) {
        patch.updated_at = nowIso();
        await assignments.update(id, patch);
        await audit.record(
          adminAudit(actorId, 'assignment', 'update', id, {
            trunkId: current.trunk_id,
            number: current.number,
            changed,
            assignmentType: type,
            isActive,
          }),
        );
      }
      return toAdminAssignmentDto((await assignments.findById(id))!);
    });
  }

  delete(id: string, actorId: ActorId): Promise<void> {
    return deleteAudited(this.transaction, id, 'Assignment', (r) => r.assignments, {
      actorId,
      action: 'assignment.delete',
      entityType: 'assignment',
      details: (a) => ({ trunkId: a.trunk_id, trunkName: a.trunk_name, number: a.number }),
    });
  }

  private async checkRules(
    assignments: AssignmentReads,
    a: { trunkId: string; trunkName: string; phoneNumberId: string; number: string; type: string },
    selfId?: string,
  ): Promise<void> {
    const elsewhere = await assignments.findActiveForNumber(a.phoneNumberId);
    if (elsewhere && elsewhere.id !== selfId && elsewhere.trunk_id !== a.trunkId) {
      throw new ConflictError(
        `${a.number} is already assigned to trunk ${elsewhere.trunk_name}. Unassign it there first.`,
        {
          trunkId: elsewhere.trunk_id,
          assignmentId: elsewhere.id,
        },
      );
    }
    if (a.type === 'primary') {
      const primary = await assignments.findActivePrimary(a.trunkId);
      if (primary && primary.id !== selfId) {
        throw new ConflictError(
          `Trunk ${a.trunkName} already has an active primary number (${primary.number}). Make that one secondary or backup first.`,
          { assignmentId: primary.id },
        );
      }
    }
  }
}
