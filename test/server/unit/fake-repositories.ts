/**
 * In-memory repositories for the unit tier: the same interfaces the container hands services
 * (src/server/repositories/index.ts), over plain arrays, so a service's rules run without a database.
 * Only what the unit tests use is implemented; anything else throws "not faked" so a test cannot pass
 * by silently skipping I/O. The unit of work snapshots the store and restores it when the work throws,
 * like a rolled-back transaction.
 */
import { DomainError } from '../../../src/shared/errors.js';
import type { AuditEntry } from '../../../src/server/repositories/audit-repository.js';
import type { CallFilter, CallListRow } from '../../../src/server/repositories/call-repository.js';
import type { AssignmentView } from '../../../src/server/repositories/assignment-repository.js';
import type { Repositories, UnitOfWork } from '../../../src/server/repositories/index.js';
import type {
  AssignmentRow,
  CallRow,
  PhoneNumberRow,
  SipTrunkRow,
  UserRow,
} from '../../../src/server/db/schema.js';
import type { TrunkView } from '../../../src/server/repositories/trunk-repository.js';

export interface FakeStore {
  users: UserRow[];
  trunks: SipTrunkRow[];
  numbers: PhoneNumberRow[];
  assignments: AssignmentRow[];
  calls: CallRow[];
  audit: AuditEntry[];
}

export function emptyStore(): FakeStore {
  return { users: [], trunks: [], numbers: [], assignments: [], calls: [], audit: [] };
}

/** `impl` as a full repository: members it lacks throw when called. */
function fake<K extends keyof Repositories>(name: K, impl: Partial<Repositories[K]>): Repositories[K] {
  return new Proxy(impl, {
    get(target, prop, receiver) {
      if (prop in target) return Reflect.get(target, prop, receiver) as unknown;
      if (prop === 'then') return undefined;
      return () => {
        throw new Error(`${name}.${String(prop)} is not faked`);
      };
    },
  }) as Repositories[K];
}

function trunkView(t: SipTrunkRow): TrunkView {
  const { sip_password_enc, telnyx_active: _a, telnyx_seen_run_id: _s, ...rest } = t;
  return { ...rest, has_password: sip_password_enc ? 1 : 0 };
}

function assignmentView(s: FakeStore, a: AssignmentRow): AssignmentView {
  const number = s.numbers.find((n) => n.id === a.phone_number_id)!;
  const trunk = s.trunks.find((t) => t.id === a.trunk_id)!;
  return { ...a, number: number.number, trunk_name: trunk.name, owner_id: trunk.owner_id };
}

export function fakeRepositories(s: FakeStore): Repositories {
  const view = (a: AssignmentRow | undefined) => (a ? assignmentView(s, a) : undefined);
  return {
    users: fake('users', {
      findById: (id) => Promise.resolve(s.users.find((u) => u.id === id)),
    }),
    sessions: fake('sessions', {}),
    loginThrottle: fake('loginThrottle', {}),
    trunks: fake('trunks', {
      findById: (id) => Promise.resolve(s.trunks.filter((t) => t.id === id).map(trunkView)[0]),
      findSecret: (id) => Promise.resolve(s.trunks.find((t) => t.id === id)),
      delete: (id) => {
        const i = s.trunks.findIndex((t) => t.id === id);
        if (i >= 0) s.trunks.splice(i, 1);
        return Promise.resolve(i >= 0);
      },
    }),
    phoneNumbers: fake('phoneNumbers', {
      findById: (id) => {
        const n = s.numbers.find((x) => x.id === id);
        if (!n) return Promise.resolve(undefined);
        const active = s.assignments.find((a) => a.phone_number_id === id && a.is_active === 1);
        const trunk = active && s.trunks.find((t) => t.id === active.trunk_id);
        return Promise.resolve({
          ...n,
          active_trunk_id: trunk?.id ?? null,
          active_trunk_name: trunk?.name ?? null,
          active_assignment_type: active?.assignment_type ?? null,
        });
      },
    }),
    assignments: fake('assignments', {
      findById: (id) => Promise.resolve(view(s.assignments.find((a) => a.id === id))),
      findByTrunkAndNumber: (trunkId, numberId) =>
        Promise.resolve(
          view(s.assignments.find((a) => a.trunk_id === trunkId && a.phone_number_id === numberId)),
        ),
      findActiveForNumber: (numberId) =>
        Promise.resolve(view(s.assignments.find((a) => a.phone_number_id === numberId && a.is_active === 1))),
      findActivePrimary: (trunkId) =>
        Promise.resolve(
          view(
            s.assignments.find(
              (a) => a.trunk_id === trunkId && a.is_active === 1 && a.assignment_type === 'primary',
            ),
          ),
        ),
      insert: (row) => {
        s.assignments.push({ last_used_at: null, ...row });
        return Promise.resolve();
      },
      update: (id, patch) => {
        const a = s.assignments.find((x) => x.id === id);
        if (a) Object.assign(a, patch);
        return Promise.resolve(!!a);
      },
      delete: (id) => {
        const i = s.assignments.findIndex((x) => x.id === id);
        if (i >= 0) s.assignments.splice(i, 1);
        return Promise.resolve(i >= 0);
      },
      touchLastUsed: (id, at) => {
        const a = s.assignments.find((x) => x.id === id);
        if (a) a.last_used_at = at;
        return Promise.resolve();
      },
    }),
    audit: fake('audit', {
      record: (entry) => {
        s.audit.push(entry);
        return Promise.resolve();
      },
    }),
    calls: fake('calls', {
      findTrunk: (id) => {
        const t = s.trunks.find((x) => x.id === id);
        return Promise.resolve(
          t && {
            id: t.id,
            name: t.name,
            owner_id: t.owner_id,
            status: t.status,
            provider: t.provider,
            emergency_calls: t.emergency_calls,
          },
        );
      },
      findAssignment: (trunkId, wanted) => {
        const numbers = s.numbers.filter((n) =>
          'phoneNumberId' in wanted ? n.id === wanted.phoneNumberId : n.number === wanted.e164,
        );
        const a = s.assignments.find(
          (x) => x.trunk_id === trunkId && numbers.some((n) => n.id === x.phone_number_id),
        );
        const n = a && s.numbers.find((x) => x.id === a.phone_number_id)!;
        return Promise.resolve(
          a && n
            ? {
                assignment_id: a.id,
                phone_number_id: n.id,
                number: n.number,
                is_active: a.is_active,
                country: n.country,
                capabilities: n.capabilities,
              }
            : undefined,
        );
      },
      insert: (row) => {
        s.calls.push(row);
        return Promise.resolve();
      },
      findById: (id) => {
        const c = s.calls.find((x) => x.id === id);
        return Promise.resolve(c && callListRow(s, c));
      },
      update: (id, expectOutcome, patch) => {
        const c = s.calls.find((x) => x.id === id && x.outcome === expectOutcome);
        if (c) Object.assign(c, patch);
        return Promise.resolve(!!c);
      },
      touch: (id, userId, nowIso) => {
        const c = s.calls.find((x) => x.id === id && x.user_id === userId && x.outcome === 'in_progress');
        if (c) Object.assign(c, { last_seen_at: nowIso, updated_at: nowIso });
        return Promise.resolve(!!c);
      },
      findStale: (cutoffIso, limit) =>
        Promise.resolve(
          s.calls
            .filter((c) => c.outcome === 'in_progress' && c.last_seen_at < cutoffIso)
            .sort((a, b) => a.last_seen_at.localeCompare(b.last_seen_at))
            .slice(0, limit)
            .map(({ id, answered_at, last_seen_at }) => ({ id, answered_at, last_seen_at })),
        ),
      list: (filter, page) => {
        const rows = s.calls
          .filter((c) => matchesCallFilter(c, filter))
          .sort((a, b) => b.started_at.localeCompare(a.started_at))
          .map((c) => callListRow(s, c));
        return Promise.resolve({
          rows: rows.slice(page.offset, page.offset + page.limit),
          total: rows.length,
        });
      },
      iterate: async function* (filter) {
        const rows = s.calls
          .filter((c) => matchesCallFilter(c, filter))
          .sort((a, b) => b.started_at.localeCompare(a.started_at));
        for (const c of rows) yield await Promise.resolve(callListRow(s, c));
      },
      aggregate: (filter, by) => {
        if (!['trunk', 'number', 'none'].includes(by)) throw new Error(`aggregate by ${by}?`);
        const groups = new Map<string | null, CallRow[]>();
        for (const c of s.calls.filter((x) => matchesCallFilter(x, filter))) {
          const key = by === 'trunk' ? c.trunk_id : by === 'number' ? c.phone_number_id : null;
          groups.set(key, [...(groups.get(key) ?? []), c]);
        }
        const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
        return Promise.resolve(
          [...groups].map(([key, calls]) => ({
            key_id: key,
            key_label:
              by === 'trunk'
                ? (s.trunks.find((t) => t.id === key)?.name ?? null)
                : by === 'number'
                  ? (s.numbers.find((n) => n.id === key)?.number ?? null)
                  : null,
            calls: calls.length,
            answered: calls.filter((c) => c.outcome === 'answered').length,
            avg_duration: mean(
              calls.flatMap((c) => (c.duration_seconds === null ? [] : [c.duration_seconds])),
            ),
            avg_mos: mean(calls.flatMap((c) => (c.mos === null ? [] : [c.mos]))),
          })),
        );
      },
    }),
    analytics: fake('analytics', {}),
    revisions: fake('revisions', {}),
    telnyxLinks: fake('telnyxLinks', {}),
    telnyxSync: fake('telnyxSync', {}),
    syncRuns: fake('syncRuns', {}),
    telnyxDrift: fake('telnyxDrift', {}),
    health: fake('health', {}),
  };
}

/** A call as the repository lists it: with its trunk's name and its user's email. */
function callListRow(s: FakeStore, c: CallRow): CallListRow {
  return {
    ...c,
    trunk_name: s.trunks.find((t) => t.id === c.trunk_id)?.name ?? null,
    user_email: s.users.find((u) => u.id === c.user_id)?.email ?? null,
  };
}

/** CallRepository's filter over the store (the SQL's conditions, one by one). */
function matchesCallFilter(c: CallRow, f: CallFilter): boolean {
  return (
    (f.userId === null || c.user_id === f.userId) &&
    (!f.fromIso || c.started_at >= f.fromIso) &&
    (!f.toExclusiveIso || c.started_at < f.toExclusiveIso) &&
    (!f.trunkId || c.trunk_id === f.trunkId) &&
    (!f.phoneNumberId || c.phone_number_id === f.phoneNumberId) &&
    (!f.direction || c.direction === f.direction) &&
    (!f.outcome || c.outcome === f.outcome) &&
    (!f.numberContains ||
      [c.caller_number, c.remote_number].some((n) => n?.includes(f.numberContains!) ?? false))
  );
}

/** Runs work against the same fakes; a throw restores the store as it was (a rollback). */
export function fakeUnitOfWork(s: FakeStore, repos: Repositories = fakeRepositories(s)): UnitOfWork {
  return {
    async run(fn) {
      const before = structuredClone(s);
      try {
        return await fn(repos);
      } catch (err) {
        Object.assign(s, before);
        throw err;
      }
    },
  };
}

let seq = 0;
const at = '2026-11-24T09:00:00.000Z';

export function aUser(o: Partial<UserRow> = {}): UserRow {
  seq++;
  return {
    id: `user-${seq}`,
    email: `user${seq}@example.test`,
    name: `User ${seq}`,
    password_hash: 'x',
    role: 'agent',
    status: 'active',
    default_country: 'US',
    created_at: at,
    updated_at: at,
    last_login_at: null,
    ...o,
  };
}

export function aTrunk(ownerId: string, o: Partial<SipTrunkRow> = {}): SipTrunkRow {
  seq++;
  return {
    id: `trunk-${seq}`,
    owner_id: ownerId,
    name: `Trunk ${seq}`,
    provider: 'sip',
    emergency_calls: 0,
    connection_type: 'credential',
    status: 'active',
    telnyx_connection_id: null,
    telnyx_credential_id: null,
    sip_uri: 'sip.example.test',
    ws_server: 'wss://sip.example.test:7443',
    sip_username: null,
    sip_password_enc: null,
    display_name: null,
    settings: '{}',
    region: null,
    location: null,
    channel_limit: null,
    notes: null,
    health_status: 'unknown',
    health_checked_at: null,
    health_latency_ms: null,
    health_message: null,
    missing_at_telnyx_at: null,
    activated_at: at,
    created_at: at,
    updated_at: at,
    telnyx_active: null,
    telnyx_seen_run_id: null,
    ...o,
  };
}

export function aNumber(number: string, o: Partial<PhoneNumberRow> = {}): PhoneNumberRow {
  seq++;
  return {
    id: `number-${seq}`,
    owner_id: null,
    number,
    country: 'US',
    area_code: null,
    city: null,
    region: null,
    carrier: null,
    number_type: 'local',
    status: 'active',
    capabilities: '["voice"]',
    telnyx_number_id: null,
    monthly_rate: null,
    purchased_at: null,
    metadata: '{}',
    missing_at_telnyx_at: null,
    created_at: at,
    updated_at: at,
    telnyx_connection_id: null,
    telnyx_seen_run_id: null,
    assigned_trunk_id: null,
    assigned_type: null,
    search_text: '',
    ...o,
  };
}

export function anAssignment(
  trunkId: string,
  phoneNumberId: string,
  type: 'primary' | 'secondary' | 'backup',
  o: Partial<AssignmentRow> = {},
): AssignmentRow {
  seq++;
  return {
    id: `assignment-${seq}`,
    trunk_id: trunkId,
    phone_number_id: phoneNumberId,
    assignment_type: type,
    is_active: 1,
    assigned_at: at,
    last_used_at: null,
    settings: '{}',
    created_at: at,
    updated_at: at,
    ...o,
  };
}

/** The domain error `p` rejects with (a test fails when it resolves or throws anything else). */
export async function failure(p: Promise<unknown>): Promise<DomainError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(err instanceof DomainError)) throw new Error(`expected a domain error, got ${String(err)}`);
  return err;
}
