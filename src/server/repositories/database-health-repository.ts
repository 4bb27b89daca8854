/** Whether the database answers (GET /api/health). */
import { sql } from 'kysely';
import type { DatabaseKind, Db } from '../db/database.js';

export class DatabaseHealthRepository {
  constructor(
    private readonly db: Db,
    readonly kind: DatabaseKind,
  ) {}

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.db);
  }
}
