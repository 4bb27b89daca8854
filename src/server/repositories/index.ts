/**
 * Every database repository, built once per database handle, and the unit of work that gives a
 * service the same repositories bound to one transaction.
 *
 * A service never builds a query or a repository itself: it gets `Repositories` (for reads and
 * single-statement writes) and a `UnitOfWork` (for writes that must commit together) from the
 * container, so tests can hand it in-memory fakes of both (test/server/unit/).
 *
 *   await transaction.run(async (r) => {
 *     await r.assignments.insert(row);
 *     await r.audit.record({ ... });   // commits with the insert, or neither does
 *   });
 *
 * Bulk work (a CSV import of assignments, health state writes) is one `run`: all or nothing.
 */
import type { Db } from '../db/database.js';
import { AnalyticsRepository } from './analytics-repository.js';
import { AssignmentRepository } from './assignment-repository.js';
import { AuditRepository } from './audit-repository.js';
import { CallRepository } from './call-repository.js';
import { DataRevisionRepository } from './data-revision-repository.js';
import { HealthRepository } from './health/health-repository.js';
import { LoginThrottleRepository } from './login-throttle-repository.js';
import { PhoneNumberRepository } from './phone-number-repository.js';
import { SessionRepository } from './session-repository.js';
import { SyncRunRepository } from './telnyx/sync-run-repository.js';
import { TelnyxDriftRepository } from './telnyx/telnyx-drift-repository.js';
import { TelnyxLinkRepository } from './telnyx/telnyx-link-repository.js';
import { TelnyxSyncRepository } from './telnyx/telnyx-sync-repository.js';
import { TrunkRepository } from './trunk-repository.js';
import { UserRepository } from './user-repository.js';

/** The public surface of a repository class (what a fake has to provide). */
export type RepositoryOf<T> = Pick<T, keyof T>;

export interface Repositories {
  users: RepositoryOf<UserRepository>;
  sessions: RepositoryOf<SessionRepository>;
  loginThrottle: RepositoryOf<LoginThrottleRepository>;
  trunks: RepositoryOf<TrunkRepository>;
  phoneNumbers: RepositoryOf<PhoneNumberRepository>;
  assignments: RepositoryOf<AssignmentRepository>;
  audit: RepositoryOf<AuditRepository>;
  calls: RepositoryOf<CallRepository>;
  /** Read-only aggregates over calls (the KPIs). */
  analytics: RepositoryOf<AnalyticsRepository>;
  revisions: RepositoryOf<DataRevisionRepository>;
  telnyxLinks: RepositoryOf<TelnyxLinkRepository>;
  telnyxSync: RepositoryOf<TelnyxSyncRepository>;
  syncRuns: RepositoryOf<SyncRunRepository>;
  telnyxDrift: RepositoryOf<TelnyxDriftRepository>;
  health: RepositoryOf<HealthRepository>;
}

export function createRepositories(db: Db): Repositories {
  return {
    users: new UserRepository(db),
    sessions: new SessionRepository(db),
    loginThrottle: new LoginThrottleRepository(db),
    trunks: new TrunkRepository(db),
    phoneNumbers: new PhoneNumberRepository(db),
    assignments: new AssignmentRepository(db),
    audit: new AuditRepository(db),
    calls: new CallRepository(db),
    analytics: new AnalyticsRepository(db),
    revisions: new DataRevisionRepository(db),
    telnyxLinks: new TelnyxLinkRepository(db),
    telnyxSync: new TelnyxSyncRepository(db),
    syncRuns: new SyncRunRepository(db),
    telnyxDrift: new TelnyxDriftRepository(db),
    health: new HealthRepository(db),
  };
}

/** Runs work that spans repositories in one database transaction: it commits together or not at all. */
export interface UnitOfWork {
  /** `fn` gets repositories bound to the transaction; a throw rolls everything back and is rethrown. */
  run<T>(fn: (repos: Repositories) => Promise<T>): Promise<T>;
}

export function createUnitOfWork(db: Db): UnitOfWork {
  return {
    run: (fn) => db.transaction().execute((trx) => fn(createRepositories(trx))),
  };
}
