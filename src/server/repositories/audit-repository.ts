/**
 * audit_log: who changed what. Written in the same transaction as the change it records, so an entry
 * exists exactly when the change does. Details never hold secrets: callers pass what changed (field
 * names, ids), and `record` drops any key that looks like a secret as a safety net.
 */
import crypto from 'node:crypto';
import type { Db } from '../db/database.js';
import { nowIso, parseJson } from '../db/json.js';

export interface AuditEntry {
  actorId: string | null;
  /** e.g. "trunk.create", "assignment.update", "connection.registration" */
  action: string;
  entityType: string;
  entityId: string | null;
  details?: Record<string, unknown>;
}

export interface AuditRecord extends Required<AuditEntry> {
  id: string;
  createdAt: string;
}

const SECRET_KEY = /pass(word)?|secret|token|_enc$|hash/i;

function scrub(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(scrub);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [
        k,
        SECRET_KEY.test(k) && typeof v === 'string' ? '[redacted]' : scrub(v),
      ]),
    );
  }
  return value;
}

export class AuditRepository {
  constructor(private readonly db: Db) {}

  async record(entry: AuditEntry): Promise<void> {
    await this.db
      .insertInto('audit_log')
      .values({
        id: crypto.randomUUID(),
        actor_id: entry.actorId,
        action: entry.action,
        entity_type: entry.entityType,
        entity_id: entry.entityId,
        details: JSON.stringify(scrub(entry.details ?? {})),
        created_at: nowIso(),
      })
      .execute();
  }

  async list(
    filters: { entityType?: string; entityId?: string; action?: string; limit?: number } = {},
  ): Promise<AuditRecord[]> {
    let q = this.db.selectFrom('audit_log').selectAll();
    if (filters.entityType) q = q.where('entity_type', '=', filters.entityType);
    if (filters.entityId) q = q.where('entity_id', '=', filters.entityId);
    if (filters.action) q = q.where('action', '=', filters.action);
    const rows = await q
      .orderBy('created_at', 'desc')
      .orderBy('id')
      .limit(filters.limit ?? 100)
      .execute();
    return rows.map((r) => ({
      id: r.id,
      actorId: r.actor_id,
      action: r.action,
      entityType: r.entity_type,
      entityId: r.entity_id,
      details: parseJson<Record<string, unknown>>(r.details, {}),
      createdAt: r.created_at,
    }));
  }

  async count(): Promise<number> {
    const r = await this.db
      .selectFrom('audit_log')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }
}
