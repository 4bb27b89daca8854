/**
 * The in-memory repositories of fake-repositories.ts, extended with the writes and lookups the admin
 * services (users, trunks, phone numbers) and the auth service use, and a sessions table. Built on
 * `fakeRepositories(store)`: members neither file fakes still throw "not faked".
 */
import type { SessionRow, SipTrunkRow, PhoneNumberRow, UserRow } from '../../../src/server/db/schema.js';
import type { Repositories } from '../../../src/server/repositories/index.js';
import { fakeRepositories, fakeUnitOfWork, type FakeStore } from './fake-repositories.js';

export interface AdminStore extends FakeStore {
  sessions: SessionRow[];
}

export function emptyAdminStore(): AdminStore {
  return { users: [], trunks: [], numbers: [], assignments: [], calls: [], audit: [], sessions: [] };
}

/** `base` with `extra`'s members added or replacing its own (the rest still reach `base`). */
export function extend<T extends object>(base: T, extra: Partial<T>): T {
  return new Proxy(base, {
    get(target, prop, receiver) {
      if (prop in extra) return (extra as Record<string | symbol, unknown>)[prop];
      return Reflect.get(target, prop, receiver) as unknown;
    },
  });
}

const at = '2026-11-24T09:00:00.000Z';

/** Columns a trunk insert leaves to the database's defaults. */
const TRUNK_DEFAULTS = {
  emergency_calls: 0,
  health_checked_at: null,
  health_latency_ms: null,
  health_message: null,
  missing_at_telnyx_at: null,
  telnyx_active: null,
  telnyx_seen_run_id: null,
} satisfies Partial<SipTrunkRow>;

/** Columns a number insert leaves to the database's defaults (or to triggers). */
const NUMBER_DEFAULTS = {
  missing_at_telnyx_at: null,
  telnyx_connection_id: null,
  telnyx_seen_run_id: null,
  assigned_trunk_id: null,
  assigned_type: null,
  search_text: '',
} satisfies Partial<PhoneNumberRow>;

export function fakeAdminRepositories(s: AdminStore): Repositories {
  const base = fakeRepositories(s);
  const remove = <T extends { id: string }>(rows: T[], id: string) => {
    const i = rows.findIndex((r) => r.id === id);
    if (i >= 0) rows.splice(i, 1);
    return i >= 0;
  };
  let userSeq = 0;
  return {
    ...base,
    users: extend(base.users, {
      findByEmail: (email) => Promise.resolve(s.users.find((u) => u.email === email.trim().toLowerCase())),
      create: (input) => {
        const row: UserRow = {
          id: `new-user-${++userSeq}`,
          email: input.email.trim().toLowerCase(),
          name: input.name,
          password_hash: input.passwordHash,
          role: input.role,
          status: input.status,
          default_country: input.defaultCountry,
          created_at: at,
          updated_at: at,
          last_login_at: null,
        };
        s.users.push(row);
        return Promise.resolve(row);
      },
      update: (id, patch) => {
        const u = s.users.find((x) => x.id === id);
        if (u) Object.assign(u, patch);
        return Promise.resolve(u && { ...u });
      },
      delete: (id) => Promise.resolve(remove(s.users, id)),
      countActiveAdmins: (exceptId) =>
        Promise.resolve(
          s.users.filter((u) => u.role === 'admin' && u.status === 'active' && u.id !== exceptId).length,
        ),
    }),
    sessions: extend(base.sessions, {
      create: (row) => {
        s.sessions.push({ ...row });
        return Promise.resolve();
      },
      findWithUser: (id) => {
        const session = s.sessions.find((x) => x.id === id);
        const user = session && s.users.find((u) => u.id === session.user_id);
        return Promise.resolve(
          session && user
            ? {
                session: {
                  id: session.id,
                  csrf_token: session.csrf_token,
                  expires_at: session.expires_at,
                  last_seen_at: session.last_seen_at,
                },
                user: { ...user },
              }
            : undefined,
        );
      },
      touch: (id, lastSeenAt, expiresAt) => {
        const x = s.sessions.find((r) => r.id === id);
        if (x) Object.assign(x, { last_seen_at: lastSeenAt, expires_at: expiresAt });
        return Promise.resolve();
      },
      delete: (id) => {
        remove(s.sessions, id);
        return Promise.resolve();
      },
      deleteForUser: (userId) => {
        s.sessions = s.sessions.filter((x) => x.user_id !== userId);
        return Promise.resolve();
      },
    }),
    trunks: extend(base.trunks, {
      insert: (row) => {
        s.trunks.push({ ...TRUNK_DEFAULTS, ...row } as SipTrunkRow);
        return Promise.resolve();
      },
      update: (id, patch) => {
        const t = s.trunks.find((x) => x.id === id);
        if (t) Object.assign(t, patch);
        return Promise.resolve(!!t);
      },
      countForOwner: (ownerId) => Promise.resolve(s.trunks.filter((t) => t.owner_id === ownerId).length),
    }),
    phoneNumbers: extend(base.phoneNumbers, {
      findByNumber: (e164) => Promise.resolve(s.numbers.find((n) => n.number === e164)),
      insert: (row) => {
        s.numbers.push({ ...NUMBER_DEFAULTS, ...row } as PhoneNumberRow);
        return Promise.resolve();
      },
      update: (id, patch) => {
        const n = s.numbers.find((x) => x.id === id);
        if (n) Object.assign(n, patch);
        return Promise.resolve(!!n);
      },
      delete: (id) => {
        // The database cascades a number's assignments.
        s.assignments = s.assignments.filter((a) => a.phone_number_id !== id);
        return Promise.resolve(remove(s.numbers, id));
      },
    }),
    calls: extend(base.calls, {
      countReferencing: (column, id) => Promise.resolve(s.calls.filter((c) => c[column] === id).length),
    }),
  };
}

/** The extended repositories and a unit of work over them (a throw rolls the store back). */
export function adminFakes(s: AdminStore) {
  const repos = fakeAdminRepositories(s);
  return { repos, transaction: fakeUnitOfWork(s, repos) };
}
