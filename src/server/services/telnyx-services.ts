/**
 * Builds every Telnyx service from configuration and the database, for the container, the CLI and tests.
 * Without TELNYX_API_KEY everything is still built; each feature then answers TELNYX_NOT_CONFIGURED.
 */
import type { Config } from '../config.js';
import type { DatabaseKind, Db } from '../db/database.js';
import { SyncLock } from '../repositories/telnyx/sync-lock.js';
import { SyncRunRepository } from '../repositories/telnyx/sync-run-repository.js';
import { TelnyxDriftRepository } from '../repositories/telnyx/telnyx-drift-repository.js';
import { TelnyxLinkRepository } from '../repositories/telnyx/telnyx-link-repository.js';
import { TelnyxRepository } from '../repositories/telnyx/telnyx-repository.js';
import { TelnyxSyncRepository } from '../repositories/telnyx/telnyx-sync-repository.js';
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
}

export function createTelnyxServices(
  config: Pick<Config, 'telnyx'>,
  db: Db,
  kind: DatabaseKind,
  options: TelnyxServiceOptions = {},
): TelnyxServices {
  const api = new TelnyxRepository({
    apiKey: config.telnyx.apiKey,
    baseUrl: config.telnyx.baseUrl,
    timeoutMs: config.telnyx.timeoutMs,
    ...(options.maxRetries !== undefined ? { maxRetries: options.maxRetries } : {}),
  });
  const links = new TelnyxLinkRepository(db);
  return {
    api,
    connections: new TelnyxConnectionsService(api, links),
    sync: new TelnyxSyncService(
      api,
      new TelnyxSyncRepository(db),
      new SyncRunRepository(db),
      new TelnyxDriftRepository(db),
      new SyncLock(db, kind),
      kind === 'postgres',
    ),
    tokens: new TelnyxTokenService(api, links, config.telnyx.rtcHost),
    assignments: new TelnyxAssignmentService(db, api),
  };
}
