/**
 * Builds every Telnyx service, for the container (and, through `createTelnyxServices`, for tests and
 * benchmarks that want only the Telnyx half on a database handle of their own, such as a second app
 * instance). Without TELNYX_API_KEY everything is still built; each feature then answers
 * TELNYX_NOT_CONFIGURED.
 */
import type { Config } from '../config.js';
import type { DatabaseKind, Db } from '../db/database.js';
import {
  createRepositories,
  createUnitOfWork,
  type Repositories,
  type UnitOfWork,
} from '../repositories/index.js';
import { SyncLock } from '../repositories/telnyx/sync-lock.js';
import { TelnyxRepository } from '../repositories/telnyx/telnyx-repository.js';
import { TelnyxAssignmentService } from './telnyx-assignment-service.js';
import { TelnyxConnectionsService } from './telnyx-connections-service.js';
import { TelnyxSyncService } from './telnyx-sync-service.js';
import { TelnyxTokenService } from './telnyx-token-service.js';

export interface TelnyxServices {
  api: TelnyxRepository;
  connections: TelnyxConnectionsService;
  sync: TelnyxSyncService;
  tokens: TelnyxTokenService;
  assignments: TelnyxAssignmentService;
}

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
