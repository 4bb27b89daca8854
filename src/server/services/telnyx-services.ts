/**
 * The Telnyx half of the services, as the container hands it out (src/server/telnyx-wiring.ts builds it).
 * Without TELNYX_API_KEY everything is still built; each feature then answers TELNYX_NOT_CONFIGURED.
 */
import type { TelnyxRepository } from '../repositories/telnyx/telnyx-repository.js';
import type { TelnyxAssignmentService } from './telnyx-assignment-service.js';
import type { TelnyxConnectionsService } from './telnyx-connections-service.js';
import type { TelnyxSyncService } from './telnyx-sync-service.js';
import type { TelnyxTokenService } from './telnyx-token-service.js';

export interface TelnyxServices {
  api: TelnyxRepository;
  connections: TelnyxConnectionsService;
  sync: TelnyxSyncService;
  tokens: TelnyxTokenService;
  assignments: TelnyxAssignmentService;
}
