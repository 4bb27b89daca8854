/**
 * audit_log: who changed what. Written in the same transaction as the change it records, so an entry
 * exists exactly when the change does. Details never hold secrets: callers pass what changed (field
 * names, ids), and `record` drops any key that looks like a secret as a safety net.
 */
import crypto from 'node:crypto';
import type { Db } from '../db/database.js';
import { nowIso, parseJson } from '../db/json.js';
import { fetchPage, type PageRequest, type PageResult } from './query-helpers.js';

export interface AuditEntry {
  actorId: string | null;
  /** e.g. "trunk.create", "assignment.update", "connection.registration" */
  action: string;
  entityType: string;
  entityId: string | null;
  details?: Record<string, unknown>;
}

export interface AuditFilters {
  actorId?: string;
  entityType?: string;
  entityId?: string;
  action?: string;
  fromIso?: string;
  toExclusiveIso?: string;
  direction?: 'asc' | 'desc';
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

  /**
   * One page of the log, newest first (or oldest first), with the actor's email, for the admin console.
   * Each filter has an index that leads with it and ends with created_at (migration 0007).
   */
  async listPage(
    filters: AuditFilters,
    page: PageRequest,
  ): Promise<PageResult<AuditRecord & { actorEmail: string | null }>> {
    let q = this.db.selectFrom('audit_log as l');
    if (filters.actorId) q = q.where('l.actor_id', '=', filters.actorId);
    if (filters.entityType) q = q.where('l.entity_type', '=', filters.entityType);
    if (filters.entityId) q = q.where('l.entity_id', '=', filters.entityId);
    if (filters.action) q = q.where('l.action', '=', filters.action);
    if (filters.fromIso) q = q.where('l.created_at', '>=', filters.fromIso);
    if (filters.toExclusiveIso) q = q.where('l.created_at', '<', filters.toExclusiveIso);
    const direction = filters.direction ?? 'desc';
    const result = await fetchPage(
      q,
      (f) =>
        f
          .leftJoin('users as u', 'u.id', 'l.actor_id')
          .selectAll('l')
          .select('u.email as actor_email')
          .orderBy('l.created_at', direction)
          .orderBy('l.id', direction),
      page,
    );
    return {
      total: result.total,
      rows: result.rows.map((r) => ({
        id: r.id,
        actorId: r.actor_id,
        actorEmail: r.actor_email,
        action: r.action,
        entityType: r.entity_type,
        entityId: r.entity_id,
        details: parseJson<Record<string, unknown>>(r.details, {}),
        createdAt: r.created_at,
      })),
    };
  }

  /** The distinct actions and entity types in the log (filter dropdowns), at most `limit` each. */
  async facets(limit: number): Promise<{ actions: string[]; entityTypes: string[] }> {
    const [actions, types] = await Promise.all([
      this.db.selectFrom('audit_log').select('action').distinct().orderBy('action').limit(limit).execute(),
      this.db
        .selectFrom('audit_log')
        .select('entity_type')
        .distinct()
        .orderBy('entity_type')
        .limit(limit)
        .execute(),
    ]);
    return { actions: actions.map((r) => r.action), entityTypes: types.map((r) => r.entity_type) };
  }

  async count(): Promise<number> {
    const r = await this.db
      .selectFrom('audit_log')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }
}
