/**
 * Wires repositories into services once. Routes, the CLI and tests all get their services from here,
 * so there is one object graph and commands stay thin.
 *
 * Everything a service needs is passed in: the configuration, the database, and `overrides` for the
 * parts a test (or a special deployment) replaces: the password hasher, the clock, the Telnyx API
 * client, the live Telnyx list and the login-token issuer. Nothing is replaced after it is built.
 * Building starts no timer and no background work: periodic jobs live in jobs/ and only `serve`
 * starts them (src/server/main.ts).
 */
import { systemClock, type Clock } from './clock.js';
import type { Config } from './config.js';
import { databaseKindOf, type DatabaseKind, type Db, type PoolStats } from './db/database.js';
import {
  createCredentialCipher,
  loadOrCreateKey,
  type CredentialCipher,
} from './repositories/credential-cipher.js';
import { createCallApprovalSigner } from './repositories/call-approval-signer.js';
import { DatabaseHealthRepository } from './repositories/database-health-repository.js';
import {
  createRepositories,
  createUnitOfWork,
  type Repositories,
  type UnitOfWork,
} from './repositories/index.js';
import { JobLeaseRepository } from './repositories/job-lease-repository.js';
import { argon2Hasher, type PasswordHasher } from './repositories/password-hasher.js';
import { SipProbeRepository } from './repositories/health/sip-probe.js';
import { createEventBus, type LiveEventBus } from './repositories/live-events.js';
import { SyncLock } from './repositories/telnyx/sync-lock.js';
import type { TelnyxRepository } from './repositories/telnyx/telnyx-repository.js';
import { AdminConsoleService } from './services/admin-console-service.js';
import { AnalyticsService } from './services/analytics-service.js';
import { AssignmentService } from './services/assignment-service.js';
import { AssignmentImportService } from './services/assignment-import-service.js';
import { BulkAssignmentService } from './services/bulk-assignment-service.js';
import { AuthService } from './services/auth-service.js';
import { LoginThrottle } from './services/login-throttle.js';
import { CallService } from './services/call-service.js';
import { HealthService } from './services/health/health-service.js';
import { LiveStreamHub } from './services/live-stream.js';
import { ConnectionsService, type TelnyxConnectionsSource } from './services/connections-service.js';
import { PhoneNumberService } from './services/phone-number-service.js';
import { ReadinessService } from './services/readiness-service.js';
import { RegistrationService, type TelnyxRegistrationIssuer } from './services/registration-service.js';
import type { TelnyxServices } from './services/telnyx-services.js';
import { buildTelnyxServices } from './telnyx-wiring.js';
import { TrunkService } from './services/trunk-service.js';
import { UserAdminService } from './services/user-admin-service.js';

/** What a test or a special deployment replaces; everything else is built from the configuration. */
export interface ServiceOverrides {
  /** Default argon2id; tests use a fast, deterministic one. */
  hasher?: PasswordHasher;
  /** Default the system clock (call records, the abandoned-call sweeper). */
  clock?: Clock;
  /** The Telnyx REST client; default one built from TELNYX_* (tests point it at the local fake). */
  telnyxApi?: TelnyxRepository;
  /** SDK retries of the default Telnyx client (tests use fewer). */
  telnyxMaxRetries?: number;
  /** The live list behind `?source=telnyx`; default the Telnyx service; null = none wired. */
  telnyxConnections?: TelnyxConnectionsSource | null;
  /** Login-token issuer of Telnyx trunks; default the Telnyx token service; null = login/password only. */
  telnyxTokens?: TelnyxRegistrationIssuer | null;
  /** SIP probes (tests give DNS answers). */
  sipProbes?: SipProbeRepository;
}

export interface ServiceDeps {
  config: Config;
  db: Db;
  /** Which database `db` talks to; read from `db` when omitted. */
  databaseKind?: DatabaseKind;
  /** The pool's state for the metrics (`DatabaseHandle.poolStats`); none when omitted. */
  poolStats?: () => PoolStats | null;
  overrides?: ServiceOverrides;
}

export interface Services {
  config: Config;
  /** The database handle the repositories use (tests arrange data through it). */
  db: Db;
  databaseKind: DatabaseKind;
  cipher: CredentialCipher;
  hasher: PasswordHasher;
  clock: Clock;
  /** Every database repository (reads and single-statement writes). */
  repos: Repositories;
  /** Writes that span repositories, in one transaction. */
  transaction: UnitOfWork;
  databaseHealth: DatabaseHealthRepository;
  /** Which instance runs each periodic job (jobs/job-leases.ts). */
  jobLeases: JobLeaseRepository;
  /** GET /api/ready: database reachable and migrated. */
  readiness: ReadinessService;
  auth: AuthService;
  /** The dialer's connections list (database source; `list(user, 'telnyx')` delegates to the Telnyx list). */
  connections: ConnectionsService;
  /** What the browser needs to register a connection (the only place a SIP password leaves the server). */
  registration: RegistrationService;
  /** Admin CRUD (each write audited in the same transaction). */
  admin: {
    users: UserAdminService;
    trunks: TrunkService;
    numbers: PhoneNumberService;
    assignments: AssignmentService;
    /** Bulk assign / unassign / reassign / change type: one request, one transaction. */
    bulk: BulkAssignmentService;
    /** CSV import (through the bulk plan) and export of assignments. */
    importer: AssignmentImportService;
    /** Audit log page, filter dropdowns, a trunk's delete impact, Telnyx status. */
    console: AdminConsoleService;
  };
  /** Telnyx API, fallback list, sync + drift, login tokens, push (each answers TELNYX_NOT_CONFIGURED without a key). */
  telnyx: TelnyxServices;
  /** Call records (history, export, stats, the abandoned-call sweep that jobs/ runs). */
  calls: CallService;
  /** Trunk health: probes, rules, live check, passive signals, history. */
  health: HealthService;
  /** Live events to open pages (LISTEN/NOTIFY on PostgreSQL; connects on first subscriber). */
  events: LiveEventBus;
  /** The browsers connected to GET /api/events (heartbeat starts with the first one). */
  liveStream: LiveStreamHub;
  /** KPIs, trends, heatmap, destinations, quality and failure causes over the call records. */
  analytics: AnalyticsService;
}

/** `override` when given (null meaning "none"), else the default. */
function chosen<T>(override: T | null | undefined, fallback: T): T | undefined {
  return override === null ? undefined : (override ?? fallback);
}

export function createServices(deps: ServiceDeps): Services {
  const { config, db, overrides = {} } = deps;
  const databaseKind = deps.databaseKind ?? databaseKindOf(db);
  const masterKey = loadOrCreateKey(config.credentialsKey, config.dataDir);
  const cipher = createCredentialCipher(masterKey);
  const hasher = overrides.hasher ?? argon2Hasher;
  const clock = overrides.clock ?? systemClock;
  const repos = createRepositories(db);
  const transaction = createUnitOfWork(db);
  const telnyx = buildTelnyxServices({
    config,
    repos,
    transaction,
    lock: new SyncLock(db, databaseKind),
    databaseKind,
    options: {
      ...(overrides.telnyxApi ? { api: overrides.telnyxApi } : {}),
      ...(overrides.telnyxMaxRetries !== undefined ? { maxRetries: overrides.telnyxMaxRetries } : {}),
    },
  });
  const events = createEventBus(
    db,
    databaseKind,
    config.database.kind === 'postgres' ? config.database.url : undefined,
  );
  const health = new HealthService({
    repos,
    transaction,
    probes: overrides.sipProbes ?? new SipProbeRepository(),
    telnyx: telnyx.api,
    cipher,
    config,
    clock,
    events,
  });
  const databaseHealth = new DatabaseHealthRepository(db, databaseKind, deps.poolStats);
  return {
    config,
    db,
    databaseKind,
    cipher,
    hasher,
    clock,
    repos,
    transaction,
    databaseHealth,
    readiness: new ReadinessService(databaseHealth),
    jobLeases: new JobLeaseRepository(db),
    auth: new AuthService(
      repos,
      hasher,
      config.sessionTtlMs,
      new LoginThrottle(repos.loginThrottle, config.loginThrottle, clock),
      clock,
    ),
    connections: new ConnectionsService(repos, chosen(overrides.telnyxConnections, telnyx.connections), {
      enabled: config.connectionsCache,
    }),
    registration: new RegistrationService(
      repos,
      cipher,
      config,
      chosen(overrides.telnyxTokens, telnyx.tokens),
    ),
    admin: {
      users: new UserAdminService(repos, transaction, hasher, config.defaultCountry),
      trunks: new TrunkService(repos, transaction, cipher),
      numbers: new PhoneNumberService(repos, transaction, config.defaultCountry),
      assignments: new AssignmentService(repos, transaction),
      bulk: new BulkAssignmentService(transaction),
      importer: new AssignmentImportService(repos, transaction, config.defaultCountry),
      console: new AdminConsoleService(repos, telnyx.sync, config),
    },
    telnyx,
    calls: new CallService(repos, transaction, clock, {
      abandonTimeoutMs: config.callAbandonTimeoutMs,
      approvals: createCallApprovalSigner(masterKey),
      onCallEnded: (call) => health.recordCallOutcome(call),
    }),
    health,
    events,
    liveStream: new LiveStreamHub(events),
    analytics: new AnalyticsService(repos.analytics, clock),
  };
}
