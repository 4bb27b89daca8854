/**
 * Wires repositories into services once. Routes, the CLI and tests all get their services from here,
 * so there is one object graph and commands stay thin.
 */
import type { Config } from './config.js';
import type { DatabaseKind, Db } from './db/database.js';
import {
  createCredentialCipher,
  loadOrCreateKey,
  type CredentialCipher,
} from './repositories/credential-cipher.js';
import { argon2Hasher, type PasswordHasher } from './repositories/password-hasher.js';
import { LoginThrottleRepository } from './repositories/login-throttle-repository.js';
import { SessionRepository } from './repositories/session-repository.js';
import { UserRepository } from './repositories/user-repository.js';
import { AuthService } from './services/auth-service.js';
import { LoginThrottle } from './services/login-throttle.js';
import { AssignmentRepository } from './repositories/assignment-repository.js';
import { AuditRepository } from './repositories/audit-repository.js';
import { PhoneNumberRepository } from './repositories/phone-number-repository.js';
import { TrunkRepository } from './repositories/trunk-repository.js';
import { AssignmentService } from './services/assignment-service.js';
import { ConnectionsService, type TelnyxConnectionsSource } from './services/connections-service.js';
import { PhoneNumberService } from './services/phone-number-service.js';
import { RegistrationService, type TelnyxRegistrationIssuer } from './services/registration-service.js';
import { TrunkService } from './services/trunk-service.js';
import { UserAdminService } from './services/user-admin-service.js';
import { CallRepository } from './repositories/call-repository.js';
import { CallService } from './services/call-service.js';
import { createTelnyxServices, type TelnyxServices } from './services/telnyx-services.js';

export interface ServiceDeps {
  config: Config;
  db: Db;
  databaseKind: DatabaseKind;
  hasher?: PasswordHasher;
}

export interface Services {
  config: Config;
  db: Db;
  databaseKind: DatabaseKind;
  cipher: CredentialCipher;
  hasher: PasswordHasher;
  users: UserRepository;
  auth: AuthService;
  trunks: TrunkRepository;
  phoneNumbers: PhoneNumberRepository;
  assignments: AssignmentRepository;
  audit: AuditRepository;
  /** The dialer's connections list (database source; `list(user, 'telnyx')` delegates to telnyxConnections). */
  connections: ConnectionsService;
  /** What the browser needs to register a connection (the only place a SIP password leaves the server). */
  registration: RegistrationService;
  /** Admin CRUD (each write audited in the same transaction). */
  admin: {
    users: UserAdminService;
    trunks: TrunkService;
    numbers: PhoneNumberService;
    assignments: AssignmentService;
  };
  /** Live Telnyx list, when wired (GET /api/connections?source=telnyx); absent = TELNYX_NOT_CONFIGURED. */
  telnyxConnections?: TelnyxConnectionsSource;
  /** Telnyx login-token issuer, when wired; absent = Telnyx trunks register with login/password. */
  telnyxTokens?: TelnyxRegistrationIssuer;
  /** Telnyx API, fallback list, sync + drift, login tokens, push (each answers TELNYX_NOT_CONFIGURED without a key). */
  telnyx: TelnyxServices;
  /** Call records (history, export, stats) and the abandoned-call sweeper. */
  calls: CallService;
  /** Stops background jobs and timers (not the database). */
  stop(): Promise<void>;
}

export function createServices(deps: ServiceDeps): Services {
  const { config, db } = deps;
  const cipher = createCredentialCipher(loadOrCreateKey(config.credentialsKey, config.dataDir));
  const hasher = deps.hasher ?? argon2Hasher;
  const users = new UserRepository(db);
  const sessions = new SessionRepository(db);
  const audit = new AuditRepository(db);
  const loginThrottle = new LoginThrottle(new LoginThrottleRepository(db), config.loginThrottle);
  const auth = new AuthService(db, users, sessions, hasher, config.sessionTtlMs, loginThrottle, audit);
  const stoppers: (() => Promise<void> | void)[] = [];
  // Late-bound so the Telnyx services can be wired (or replaced by tests) after these are built.
  const late: { services?: Services } = {};
  const trunks = new TrunkRepository(db);
  const assignments = new AssignmentRepository(db);
  const connections = new ConnectionsService(trunks, assignments, () => late.services?.telnyxConnections, {
    db,
    enabled: config.connectionsCache,
  });
  const registration = new RegistrationService(
    audit,
    trunks,
    cipher,
    config,
    () => late.services?.telnyxTokens,
  );
  const admin = {
    users: new UserAdminService(db, hasher, config.defaultCountry),
    trunks: new TrunkService(db, cipher),
    numbers: new PhoneNumberService(db, config.defaultCountry),
    assignments: new AssignmentService(db),
  };
  const calls = new CallService(new CallRepository(db), {
    abandonTimeoutMs: config.callAbandonTimeoutMs,
    onSweepError: (err) => console.error('call sweeper failed:', err),
  });
  calls.startSweeper();
  const telnyx = createTelnyxServices(config, db, deps.databaseKind);
  stoppers.push(() => calls.stopSweeper());
  const self: Services = {
    config,
    db,
    databaseKind: deps.databaseKind,
    cipher,
    hasher,
    users,
    auth,
    trunks,
    phoneNumbers: new PhoneNumberRepository(db),
    assignments,
    audit,
    connections,
    registration,
    admin,
    calls,
    telnyx,
    telnyxConnections: telnyx.connections,
    telnyxTokens: telnyx.tokens,
    async stop() {
      for (const s of stoppers.reverse()) await s();
    },
  };
  late.services = self;
  return self;
}
