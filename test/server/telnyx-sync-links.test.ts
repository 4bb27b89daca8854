/**
 * What a Telnyx sync does with numbers that already exist locally in other ways than a previous sync left
 * them, on both databases: a number entered by hand (same E.164, no Telnyx id) is linked, not duplicated,
 * and gets its Telnyx connection as assignment; a number whose assignment was ended locally gets its
 * earlier row back (same row, same type) when Telnyx still routes it there; a number on a trunk's
 * primary keeps being the only primary; the admin list's copy of each number's assignment is right.
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/server/db/database.js';
import { UserRepository } from '../../src/server/repositories/user-repository.js';
import { createTelnyxServices } from '../../src/server/telnyx-wiring.js';
import { closeThenDrop } from '../fakes/telnyx-api/helpers.js';
import { startFakeTelnyx, type FakeTelnyx } from '../fakes/telnyx-api/server.js';
import { createTestDatabase, DATABASE_KINDS } from '../support/databases.js';

async function assignmentsOf(db: Db, number: string) {
  return db
    .selectFrom('trunk_phone_numbers as a')
    .innerJoin('phone_numbers as n', 'n.id', 'a.phone_number_id')
    .innerJoin('sip_trunks as t', 't.id', 'a.trunk_id')
    .select(['a.id', 'a.assignment_type', 'a.is_active', 't.telnyx_connection_id'])
    .where('n.number', '=', number)
    .execute();
}

/** Numbers whose copy of their active assignment (migration 0014) differs from the assignments. */
async function wrongCopies(db: Db) {
  const rows = await db
    .selectFrom('phone_numbers as n')
    .leftJoin('trunk_phone_numbers as a', (j) =>
      j.onRef('a.phone_number_id', '=', 'n.id').on('a.is_active', '=', 1),
    )
    .select(['n.number', 'n.assigned_trunk_id', 'n.assigned_type', 'a.trunk_id', 'a.assignment_type'])
    .execute();
  return rows.filter((r) => r.assigned_trunk_id !== r.trunk_id || r.assigned_type !== r.assignment_type);
}

describe.each(DATABASE_KINDS)('Telnyx sync links existing numbers (%s)', (kind) => {
  let fake: FakeTelnyx;
  beforeAll(async () => {
    fake = await startFakeTelnyx({ connections: 2, numbers: 300, unassignedNumbers: 0 });
  });
  afterAll(() => fake.close());

  it('links a number entered by hand and brings back an ended assignment, type kept', async () => {
    const d = await createTestDatabase(kind);
    try {
      const db = d.handle.db;
      await new UserRepository(db).create({
        email: 'admin@example.com',
        name: 'Admin',
        passwordHash: 'x',
        role: 'admin',
        status: 'active',
        defaultCountry: 'US',
      });
      const config = { telnyx: { ...d.config.telnyx, apiKey: fake.apiKey, baseUrl: fake.baseUrl } };
      const { sync } = createTelnyxServices(config, db, d.kind);
      const [c1] = [...fake.connections.keys()] as [string];
      // On page 2 (numbers are listed 250 a page): entered by hand before any sync.
      const byHand = fake.numbersOf(c1).at(-1)!;
      const now = new Date().toISOString();
      const handId = crypto.randomUUID();
      await db
        .insertInto('phone_numbers')
        .values({
          id: handId,
          owner_id: null,
          number: byHand.phone_number,
          country: 'US',
          area_code: '312',
          city: 'Chicago',
          region: null,
          carrier: null,
          number_type: 'local',
          status: 'active',
          capabilities: '["voice","sms"]',
          telnyx_number_id: null,
          monthly_rate: null,
          purchased_at: null,
          metadata: '{}',
          missing_at_telnyx_at: null,
          created_at: now,
          updated_at: now,
          telnyx_connection_id: null,
          telnyx_seen_run_id: null,
        })
        .execute();

      const first = await sync.run();
      expect(first.status, JSON.stringify(first.errors)).toBe('succeeded');
      expect(first.counts.numbers).toMatchObject({ created: 299, updated: 1 });
      expect(first.counts.assignments).toMatchObject({ created: 300, conflicts: 0 });
      const linked = await db
        .selectFrom('phone_numbers')
        .select(['id', 'telnyx_number_id', 'city', 'capabilities'])
        .where('number', '=', byHand.phone_number)
        .execute();
      // Linked in place: the same row, Telnyx's id added, what the admin entered kept.
      expect(linked).toEqual([
        { id: handId, telnyx_number_id: byHand.id, city: 'Chicago', capabilities: '["voice","sms"]' },
      ]);
      expect(await assignmentsOf(db, byHand.phone_number)).toMatchObject([
        { assignment_type: 'secondary', telnyx_connection_id: c1 },
      ]);
      // One primary per trunk, whatever the page it came on.
      const primaries = await db
        .selectFrom('trunk_phone_numbers')
        .select(['trunk_id'])
        .where('is_active', '=', 1)
        .where('assignment_type', '=', 'primary')
        .execute();
      expect(primaries).toHaveLength(2);
      // The admin list's copy of each number's assignment is right (the sync inserts it with the number).
      expect(await wrongCopies(db)).toEqual([]);

      // The admin ends two assignments: the trunk's primary and an ordinary one.
      const [primary] = await db
        .selectFrom('trunk_phone_numbers as a')
        .innerJoin('phone_numbers as n', 'n.id', 'a.phone_number_id')
        .innerJoin('sip_trunks as t', 't.id', 'a.trunk_id')
        .select(['a.id', 'n.number'])
        .where('t.telnyx_connection_id', '=', c1)
        .where('a.assignment_type', '=', 'primary')
        .execute();
      const ended = [primary!.number, byHand.phone_number];
      const before = await Promise.all(ended.map((n) => assignmentsOf(db, n)));
      await db
        .updateTable('trunk_phone_numbers')
        .set({ is_active: 0 })
        .where('id', 'in', [before[0]![0]!.id, before[1]![0]!.id])
        .execute();

      const second = await sync.run();
      expect(second.status, JSON.stringify(second.errors)).toBe('succeeded');
      expect(second.counts.numbers).toMatchObject({ created: 0, updated: 0, unchanged: 300 });
      expect(second.counts.assignments).toEqual({ created: 2, unchanged: 298, conflicts: 0 });
      // The same rows are active again with their types: no second row for the same trunk and number.
      expect(await assignmentsOf(db, primary!.number)).toEqual([
        { id: before[0]![0]!.id, assignment_type: 'primary', is_active: 1, telnyx_connection_id: c1 },
      ]);
      expect(await assignmentsOf(db, byHand.phone_number)).toEqual([
        { id: before[1]![0]!.id, assignment_type: 'secondary', is_active: 1, telnyx_connection_id: c1 },
      ]);
      expect(await wrongCopies(db)).toEqual([]);
    } finally {
      await closeThenDrop(d);
    }
  });
});
