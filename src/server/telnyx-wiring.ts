/**
 * Wires the Telnyx services (beside container.ts, which uses it): for the container, and through
 * `createTelnyxServices` for tests and benchmarks that want only the Telnyx half on a database handle of
 * their own, such as a second app instance. Services never build their repositories; this does.
 */
import type { Config } from './config.js';
import type { DatabaseKind, Db } from './db/database.js';
import {
  createRepositories,
  createUnitOfWork,
  type Repositories,
  type UnitOfWork,
} from './repositories/index.js';
import { SyncLock } from './repositories/telnyx/sync-lock.js';
import { TelnyxRepository } from './repositories/telnyx/telnyx-repository.js';
import { TelnyxAssignmentService } from './services/telnyx-assignment-service.js';
import { TelnyxConnectionsService } from './services/telnyx-connections-service.js';
import type { TelnyxServices } from './services/telnyx-services.js';
import { TelnyxSyncService } from './services/telnyx-sync-service.js';
import { TelnyxTokenService } from './services/telnyx-token-service.js';

export interface TelnyxServiceOptions {
  /** Override the SDK's retries (tests use fewer to stay fast). */
  maxRetries?: number;
  /** Use this Telnyx API client instead of one built from the configuration. */
  api?: TelnyxRepository;
  /** Milliseconds since the epoch (token expiry); default Date.now. */
  now?: () => number;
}

export function telnyxApiFor(config: Pick<Config, 'telnyx'>, maxRetries?: number): TelnyxRepository {
  return new TelnyxRepository({
    apiKey: config.telnyx.apiKey,
    baseUrl: config.telnyx.baseUrl,
    timeoutMs: config.telnyx.timeoutMs,
    ...(maxRetries !== undefined ? { maxRetries } : {}),
  });
}

export function buildTelnyxServices(deps: {
  config: Pick<Config, 'telnyx'>;
  repos: Repositories;
  transaction: UnitOfWork;
  lock: SyncLock;
  databaseKind: DatabaseKind;
  options?: TelnyxServiceOptions;
}): TelnyxServices {
  const { config, repos, transaction, options = {} } = deps;
  const api = options.api ?? telnyxApiFor(config, options.maxRetries);
  return {
    api,
    connections: new TelnyxConnectionsService(repos, api),
    sync: new TelnyxSyncService(repos, transaction, api, deps.lock, deps.databaseKind === 'postgres'),
    tokens: new TelnyxTokenService(repos, api, config.telnyx.rtcHost, options.now),
    assignments: new TelnyxAssignmentService(repos, transaction, api),
  };
}

export function createTelnyxServices(
  config: Pick<Config, 'telnyx'>,
  db: Db,
  kind: DatabaseKind,
  options: TelnyxServiceOptions = {},
): TelnyxServices {
  return buildTelnyxServices({
    config,
    repos: createRepositories(db),
    transaction: createUnitOfWork(db),
    lock: new SyncLock(db, kind),
    databaseKind: kind,
    options,
  });
}
