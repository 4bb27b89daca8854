/**
 * data_revisions: counters bumped by database triggers in every transaction that changes what a cached
 * read shows (migration 0004), so a cache can be validated with one primary-key read.
 */
import type { Db } from '../db/database.js';

export class DataRevisionRepository {
  constructor(private readonly db: Db) {}

  /**
   * The revision of what GET /api/connections shows. bigint on PostgreSQL (a string from pg); a JS
   * number is exact up to 2^53 bumps. undefined when the row is gone (deleted by hand): then nothing can
   * be validated, so nothing should be cached.
   */
  async connections(): Promise<number | undefined> {
    const row = await this.db
      .selectFrom('data_revisions')
      .select('revision')
      .where('name', '=', 'connections')
      .executeTakeFirst();
    return row ? Number(row.revision) : undefined;
  }
}
