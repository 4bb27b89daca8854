/**
 * Wires repositories into services once. Routes, the CLI and tests all get their services from here,
 * so there is one object graph and commands stay thin.
 */
import type { Config } from './config.js';
import type { DatabaseKind, Db } from './db/database.js';
import { createCredentialCipher, loadOrCreateKey, type CredentialCipher } from './repositories/credential-cipher.js';
import { argon2Hasher, type PasswordHasher } from './repositories/password-hasher.js';
import { SessionRepository } from './repositories/session-repository.js';
import { UserRepository } from './repositories/user-repository.js';
import { AuthService } from './services/auth-service.js';
import { CallRepository } from './repositories/call-repository.js';
import { CallService } from './services/call-service.js';

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
  const auth = new AuthService(db, users, sessions, hasher, config.sessionTtlMs);
  const stoppers: (() => Promise<void> | void)[] = [];
  const calls = new CallService(new CallRepository(db), {
    abandonTimeoutMs: config.callAbandonTimeoutMs,
    onSweepError: (err) => console.error('call sweeper failed:', err),
  });
  calls.startSweeper();
  stoppers.push(() => calls.stopSweeper());
  return {
    config,
    db,
    databaseKind: deps.databaseKind,
    cipher,
    hasher,
    users,
    auth,
    calls,
    async stop() {
      for (const s of stoppers.reverse()) await s();
    },
  };
}
