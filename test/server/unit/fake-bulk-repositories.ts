/**
 * The repository members of bulk assignment and the CSV import/export, over the store of
 * fake-repositories.ts: trunk names, the numbers' assignments and every trunk's active primary, the
 * set-based writes, and the number look-ups. Every write checks the two rules the database's partial
 * unique indexes hold (a number actively on one trunk at most, one active primary per trunk) at once,
 * as the database does per statement, so a plan that writes in the wrong order fails here too.
 * Each write is also logged (`writes`) for tests about what was written.
 */
import type { Repositories } from '../../../src/server/repositories/index.js';
import type { FakeStore } from './fake-repositories.js';
import { fakeRepositories } from './fake-repositories.js';

export interface BulkFakes {
  repos: Repositories;
  /** The writes, as `deactivate ids`, `setType type ids [reactivate]`, `insert trunk:number:type`. */
  writes: string[];
  /** The limits idsMatching was called with. */
  matchLimits: number[];
}

/** `base` with `extra`'s members in front (the rest of `base` still throws when not faked). */
function extend<T extends object>(base: T, extra: Partial<T>): T {
  return new Proxy(base, {
    get(target, prop, receiver) {
      if (prop in extra) return (extra as Record<string | symbol, unknown>)[prop];
      return Reflect.get(target, prop, receiver) as unknown;
    },
  });
}

/** Throws like a violated partial unique index. */
function checkRules(s: FakeStore): void {
  const active = s.assignments.filter((a) => a.is_active === 1);
  const numbers = new Set<string>();
  const primaries = new Set<string>();
  for (const a of active) {
    if (numbers.has(a.phone_number_id)) throw new Error(`UNIQUE: ${a.phone_number_id} active twice`);
    numbers.add(a.phone_number_id);
    if (a.assignment_type === 'primary') {
      if (primaries.has(a.trunk_id)) throw new Error(`UNIQUE: two active primaries on ${a.trunk_id}`);
      primaries.add(a.trunk_id);
    }
  }
}

/** Whether number `n` passes the (few) filters the tests use: q, trunkId, assigned. */
function matches(
  s: FakeStore,
  id: string,
  f: { q?: string | undefined; trunkId?: string | undefined; assigned?: boolean | undefined },
): boolean {
  const n = s.numbers.find((x) => x.id === id)!;
  const active = s.assignments.find((a) => a.phone_number_id === id && a.is_active === 1);
  return (
    (!f.q || n.number.includes(f.q)) &&
    (!f.trunkId || active?.trunk_id === f.trunkId) &&
    (f.assigned === undefined || f.assigned === !!active)
  );
}

export function bulkRepositories(s: FakeStore): BulkFakes {
  const base = fakeRepositories(s);
  const writes: string[] = [];
  const matchLimits: number[] = [];
  const byNumber = () => [...s.numbers].sort((a, b) => a.number.localeCompare(b.number));
  const repos: Repositories = {
    ...base,
    trunks: extend(base.trunks, {
      listNames: () =>
        Promise.resolve(
          [...s.trunks]
            .sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id))
            .map(({ id, name }) => ({ id, name })),
        ),
    }),
    assignments: extend(base.assignments, {
      listForNumbers: (ids) =>
        Promise.resolve(
          s.assignments
            .filter((a) => ids.includes(a.phone_number_id))
            .map(({ id, trunk_id, phone_number_id, assignment_type, is_active }) => ({
              id,
              trunk_id,
              phone_number_id,
              assignment_type,
              is_active,
            })),
        ),
      activePrimaries: () =>
        Promise.resolve(
          new Map(
            s.assignments
              .filter((a) => a.is_active === 1 && a.assignment_type === 'primary')
              .map((a) => [a.trunk_id, a.phone_number_id]),
          ),
        ),
      deactivateMany: (ids, at) => {
        writes.push(`deactivate ${ids.join(',')}`);
        for (const a of s.assignments)
          if (ids.includes(a.id)) Object.assign(a, { is_active: 0, updated_at: at });
        checkRules(s);
        return Promise.resolve();
      },
      setTypeMany: (ids, type, at, reactivate = false) => {
        writes.push(`setType ${type} ${ids.join(',')}${reactivate ? ' reactivate' : ''}`);
        for (const a of s.assignments) {
          if (!ids.includes(a.id)) continue;
          Object.assign(
            a,
            reactivate
              ? { assignment_type: type, is_active: 1, assigned_at: at, updated_at: at }
              : { assignment_type: type, updated_at: at },
          );
        }
        checkRules(s);
        return Promise.resolve();
      },
      insertMany: (rows) => {
        writes.push(
          `insert ${rows.map((r) => `${r.trunk_id}:${r.phone_number_id}:${r.assignment_type}`).join(',')}`,
        );
        for (const r of rows) {
          s.assignments.push({
            id: r.id,
            trunk_id: r.trunk_id,
            phone_number_id: r.phone_number_id,
            assignment_type: r.assignment_type,
            is_active: Number(r.is_active),
            assigned_at: r.assigned_at,
            last_used_at: r.last_used_at ?? null,
            settings: r.settings ?? '{}',
            created_at: r.created_at,
            updated_at: r.updated_at,
          });
        }
        checkRules(s);
        return Promise.resolve();
      },
    }),
    phoneNumbers: extend(base.phoneNumbers, {
      idsMatching: (filter, limit) => {
        matchLimits.push(limit);
        return Promise.resolve(
          byNumber()
            .filter((n) => matches(s, n.id, filter))
            .slice(0, limit)
            .map((n) => n.id),
        );
      },
      numbersByIds: (ids) =>
        Promise.resolve(new Map(s.numbers.filter((n) => ids.includes(n.id)).map((n) => [n.id, n.number]))),
      idsByNumbers: (numbers) =>
        Promise.resolve(
          new Map(s.numbers.filter((n) => numbers.includes(n.number)).map((n) => [n.number, n.id])),
        ),
      assignedMatching: async function* (filter) {
        for (const n of byNumber()) {
          const a = s.assignments.find((x) => x.phone_number_id === n.id && x.is_active === 1);
          if (!a || !matches(s, n.id, filter)) continue;
          const trunk = s.trunks.find((t) => t.id === a.trunk_id)!;
          yield await Promise.resolve({
            number: n.number,
            trunk_id: trunk.id,
            trunk_name: trunk.name,
            assignment_type: a.assignment_type,
          });
        }
      },
    }),
  };
  return { repos, writes, matchLimits };
}
