/** Small helpers shared by the Telnyx test files (not a test file itself). */
import { expect } from 'vitest';
import type { SyncRunDto } from '../../../src/shared/telnyx.js';
import type { Db } from '../../../src/server/db/database.js';
import type { Client } from '../../support/app.js';

export async function waitForRun(client: Client, runId: string, timeoutMs = 20_000): Promise<SyncRunDto> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const res = await client.get(`/api/admin/sync/runs/${runId}`);
    expect(res.status).toBe(200);
    const run = res.json as SyncRunDto;
    if (run.status !== 'running') return run;
    if (Date.now() > until) throw new Error(`sync ${runId} still running after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The invariants every state of the database must keep, whatever point a sync stopped at. */
export async function expectConsistent(db: Db): Promise<void> {
  const doublePrimary = await db
    .selectFrom('trunk_phone_numbers')
    .select(['trunk_id'])
    .where('is_active', '=', 1)
    .where('assignment_type', '=', 'primary')
    .groupBy('trunk_id')
    .having((eb) => eb.fn.countAll(), '>', 1)
    .execute();
  expect(doublePrimary).toEqual([]);
  const doubleActive = await db
    .selectFrom('trunk_phone_numbers')
    .select(['phone_number_id'])
    .where('is_active', '=', 1)
    .groupBy('phone_number_id')
    .having((eb) => eb.fn.countAll(), '>', 1)
    .execute();
  expect(doubleActive).toEqual([]);
  // Every assignment points at existing rows (foreign keys), every Telnyx number at most once.
  const dupTelnyx = await db
    .selectFrom('phone_numbers')
    .select('telnyx_number_id')
    .where('telnyx_number_id', 'is not', null)
    .groupBy('telnyx_number_id')
    .having((eb) => eb.fn.countAll(), '>', 1)
    .execute();
  expect(dupTelnyx).toEqual([]);
}

export async function countRows(
  db: Db,
  table: 'sip_trunks' | 'phone_numbers' | 'trunk_phone_numbers',
): Promise<number> {
  const r = await db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Keys of an object and of its nested objects/arrays of objects (values ignored), to compare shapes. */
export function shapeOf(value: unknown): unknown {
  if (Array.isArray(value)) return value.length ? [shapeOf(value[0])] : [];
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => {
          const v = (value as Record<string, unknown>)[k];
          // settings is free-form per provider; its keys differ legitimately.
          return [k, k === 'settings' ? 'object' : shapeOf(v)];
        }),
    );
  }
  return 'value';
}

/**
 * Closes the database before dropping it, with a pause between: pg-pool's end() resolves before its
 * clients have finished closing, and a DROP DATABASE ... WITH (FORCE) racing them makes PostgreSQL
 * terminate a closing client, which surfaces as an unhandled "terminating connection" error.
 * (Work-around until test/support does the same; SQLite is unaffected.)
 */
export async function closeThenDrop(d: {
  handle: { close(): Promise<void> };
  drop(): Promise<void>;
}): Promise<void> {
  await d.handle.close();
  await new Promise((r) => setTimeout(r, 250));
  await d.drop();
}

/** `TestApp.close()` with the same pause before the database is dropped. */
export async function closeTestApp(t: {
  app: { close(): Promise<unknown> };
  database: { handle: { close(): Promise<void> }; drop(): Promise<void> };
}): Promise<void> {
  await t.app.close();
  await closeThenDrop(t.database);
}
