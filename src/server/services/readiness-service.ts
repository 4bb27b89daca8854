/**
 * Whether this instance can serve requests (GET /api/ready): its database answers and has every
 * migration this build expects. A load balancer sends traffic only to ready instances; liveness
 * (GET /api/health) does not depend on the database, so an outage never gets healthy instances restarted.
 */
import { DomainError, ErrorCode } from '../../shared/errors.js';
import type { DatabaseKind } from '../db/database.js';
import type { DatabaseHealthRepository } from '../repositories/database-health-repository.js';

export interface Readiness {
  status: 'ready';
  database: DatabaseKind;
}

/** Not ready: a 503 SERVICE_UNAVAILABLE saying why; `cause` (the driver's words) is for the log only. */
export class NotReadyError extends DomainError {
  constructor(message: string, details: unknown, cause?: unknown) {
    super(ErrorCode.ServiceUnavailable, message, details);
    this.cause = cause;
  }
}

export class ReadinessService {
  constructor(
    private readonly database: Pick<DatabaseHealthRepository, 'kind' | 'ping' | 'pendingMigrations'>,
  ) {}

  async check(): Promise<Readiness> {
    let pending: string[];
    try {
      await this.database.ping();
      pending = await this.database.pendingMigrations();
    } catch (err) {
      throw new NotReadyError('Not ready: the database is not reachable', { database: 'unreachable' }, err);
    }
    if (pending.length > 0) {
      throw new NotReadyError(
        `Not ready: the database lacks ${pending.length} migration(s) of this version; run \`dialer migrate\``,
        { database: 'behind', pendingMigrations: pending },
      );
    }
    return { status: 'ready', database: this.database.kind };
  }
}
