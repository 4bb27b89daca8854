/**
 * What operations ask of the database: whether it answers and its schema is current (GET /api/health,
 * GET /api/ready), and the figures the metrics report (pool connections, calls in progress).
 */
import { Migrator, sql } from 'kysely';
import type { DatabaseKind, Db, PoolStats } from '../db/database.js';
import { migrationProvider } from '../db/migrations/index.js';

export class DatabaseHealthRepository {
  /** Set once every migration this build knows has been seen applied: they cannot become un-applied. */
  private migrationsCurrent = false;

  constructor(
    private readonly db: Db,
    readonly kind: DatabaseKind,
    private readonly pool: () => PoolStats | null = () => null,
  ) {}

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.db);
  }

  /** Names of the migrations this build has that the database has not applied (empty: current). */
  async pendingMigrations(): Promise<string[]> {
    if (this.migrationsCurrent) return [];
    const migrator = new Migrator({ db: this.db, provider: migrationProvider });
    const pending = (await migrator.getMigrations()).filter((m) => !m.executedAt).map((m) => m.name);
    this.migrationsCurrent = pending.length === 0;
    return pending;
  }

  /** The connection pool right now (PostgreSQL), or null. */
  poolStats(): PoolStats | null {
    return this.pool();
  }

  /** Call records still in progress (the browser has not reported their end yet). */
  async callsInProgress(): Promise<number> {
    const row = await this.db
      .selectFrom('calls')
      .select((eb) => eb.fn.countAll<string | number>().as('n'))
      .where('outcome', '=', 'in_progress')
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }
}
