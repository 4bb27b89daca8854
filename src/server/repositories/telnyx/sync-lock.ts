/**
 * Single flight for the Telnyx sync. On PostgreSQL a session-level advisory lock on a dedicated pooled
 * connection: several app instances (and the CLI) try it, one wins, and the lock dies with its process.
 * On SQLite (one machine) the partial unique index on running sync_runs rows does that job; this lock
 * only stops the same process from starting twice.
 */
import { sql } from 'kysely';
import type { DatabaseKind, Db } from '../../db/database.js';

/** Arbitrary, fixed: "dialer telnyx sync". */
export const TELNYX_SYNC_LOCK_KEY = 4_711_001;

export type ReleaseLock = () => Promise<void>;

export class SyncLock {
  private heldInProcess = false;

  constructor(
    private readonly db: Db,
    private readonly kind: DatabaseKind,
    private readonly key: number = TELNYX_SYNC_LOCK_KEY,
  ) {}

  /** The release function, or null when another run holds the lock. */
  async tryAcquire(): Promise<ReleaseLock | null> {
    if (this.heldInProcess) return null;
    this.heldInProcess = true;
    if (this.kind !== 'postgres') {
      return () => {
        this.heldInProcess = false;
        return Promise.resolve();
      };
    }
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let settle!: (ok: boolean) => void;
    const acquired = new Promise<boolean>((r) => (settle = r));
    const holder = this.db
      .connection()
      .execute(async (conn) => {
        const res = await sql<{
          ok: boolean;
        }>`select pg_try_advisory_lock(${this.key}) as ok`.execute(conn);
        if (!res.rows[0]?.ok) {
          settle(false);
          return;
        }
        settle(true);
        await released;
        await sql`select pg_advisory_unlock(${this.key})`.execute(conn);
      })
      .catch((err: unknown) => {
        settle(false);
        throw err;
      });
    let ok = false;
    try {
      ok = await acquired;
    } finally {
      if (!ok) this.heldInProcess = false;
    }
    if (!ok) {
      await holder.catch(() => undefined);
      return null;
    }
    return async () => {
      release();
      await holder.catch(() => undefined);
      this.heldInProcess = false;
    };
  }
}
