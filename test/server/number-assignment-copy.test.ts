/**
 * phone_numbers.assigned_trunk_id / assigned_type (migration 0014): the database's own copy of each
 * number's active assignment, which the admin numbers list filters and sorts by. On both databases:
 * the copy follows every kind of write to trunk_phone_numbers (one row and many, type changes, moves,
 * deactivation, deletes, cascades), and the list answers exactly what a join over the assignments
 * answers, for the assignment filters, the counts, both sort directions by connection, and pages.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type Client, type TestApp } from '../support/app.js';
import { DATABASE_KINDS } from '../support/databases.js';
import { addNumber, addTrunk, addUser, assign, PASSWORD } from '../support/dialer-fixtures.js';

interface Truth {
  id: string;
  number: string;
  area: string | null;
  trunkId: string | null;
  trunkName: string | null;
  type: string | null;
}

describe.each(DATABASE_KINDS)('a number’s copy of its active assignment (%s)', (kind) => {
  let t: TestApp;
  let admin: Client;
  let ownerId: string;

  beforeAll(async () => {
    t = await startTestApp(kind, { env: { LOGIN_RATE_LIMIT: '1000' } });
    await addUser(t.services, { email: 'admin@example.com', role: 'admin' });
    ownerId = (await addUser(t.services, { email: 'owner@example.com' })).id;
    admin = await t.login('admin@example.com', PASSWORD);
  });
  afterAll(() => t.close());

  /** Every number with its active assignment read from trunk_phone_numbers (what the copy must say). */
  async function truth(): Promise<Truth[]> {
    const rows = await t.services.db
      .selectFrom('phone_numbers as pn')
      .leftJoin('trunk_phone_numbers as a', (j) =>
        j.onRef('a.phone_number_id', '=', 'pn.id').on('a.is_active', '=', 1),
      )
      .leftJoin('sip_trunks as tr', 'tr.id', 'a.trunk_id')
      .select([
        'pn.id',
        'pn.number',
        'pn.area_code as area',
        'a.trunk_id as trunkId',
        'tr.name as trunkName',
        'a.assignment_type as type',
      ])
      .execute();
    return rows;
  }

  async function expectCopyInStep(): Promise<void> {
    const copies = await t.services.db
      .selectFrom('phone_numbers')
      .select(['id', 'assigned_trunk_id', 'assigned_type'])
      .execute();
    const expected = new Map((await truth()).map((r) => [r.id, [r.trunkId, r.type]]));
    for (const c of copies) expect([c.assigned_trunk_id, c.assigned_type], c.id).toEqual(expected.get(c.id));
  }

  async function copyOf(id: string) {
    return t.services.db
      .selectFrom('phone_numbers')
      .select(['assigned_trunk_id', 'assigned_type'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
  }

  it('follows inserts, updates of one and many rows, moves, deletes and cascades', async () => {
    const s = t.services;
    const db = s.db;
    const a = (await addTrunk(s, ownerId, { name: 'Copy A' })).id;
    const b = (await addTrunk(s, ownerId, { name: 'Copy B' })).id;
    const n = await Promise.all([1, 2, 3, 4].map(() => addNumber(s)));
    const [n1, n2, n3, n4] = n.map((x) => x.id) as [string, string, string, string];
    await expectCopyInStep();

    const r1 = await assign(s, a, n1, 'primary');
    const r2 = await assign(s, a, n2, 'backup', false);
    expect(await copyOf(n1)).toEqual({ assigned_trunk_id: a, assigned_type: 'primary' });
    expect(await copyOf(n2)).toEqual({ assigned_trunk_id: null, assigned_type: null });

    await db
      .updateTable('trunk_phone_numbers')
      .set({ assignment_type: 'secondary' })
      .where('id', '=', r1.id)
      .execute();
    expect(await copyOf(n1)).toEqual({ assigned_trunk_id: a, assigned_type: 'secondary' });
    await db.updateTable('trunk_phone_numbers').set({ is_active: 0 }).where('id', '=', r1.id).execute();
    await db.updateTable('trunk_phone_numbers').set({ is_active: 1 }).where('id', '=', r2.id).execute();
    expect(await copyOf(n1)).toEqual({ assigned_trunk_id: null, assigned_type: null });
    expect(await copyOf(n2)).toEqual({ assigned_trunk_id: a, assigned_type: 'backup' });
    // A row moved to another trunk and to another number.
    await db.updateTable('trunk_phone_numbers').set({ trunk_id: b }).where('id', '=', r2.id).execute();
    expect(await copyOf(n2)).toEqual({ assigned_trunk_id: b, assigned_type: 'backup' });
    await db
      .updateTable('trunk_phone_numbers')
      .set({ phone_number_id: n3 })
      .where('id', '=', r2.id)
      .execute();
    expect(await copyOf(n2)).toEqual({ assigned_trunk_id: null, assigned_type: null });
    expect(await copyOf(n3)).toEqual({ assigned_trunk_id: b, assigned_type: 'backup' });

    // Many rows in one statement each way.
    const at = new Date().toISOString();
    await db
      .insertInto('trunk_phone_numbers')
      .values(
        (
          [
            [b, n1],
            [a, n2],
            [a, n4],
          ] as const
        ).map(([trunkId, id], i) => ({
          id: `copy-${kind}-${i}`,
          trunk_id: trunkId,
          phone_number_id: id,
          assignment_type: 'secondary',
          is_active: 1,
          assigned_at: at,
          last_used_at: null,
          settings: '{}',
          created_at: at,
          updated_at: at,
        })),
      )
      .execute();
    await expectCopyInStep();
    await db
      .updateTable('trunk_phone_numbers')
      .set({ assignment_type: 'backup' })
      .where('trunk_id', '=', a)
      .execute();
    await expectCopyInStep();
    expect(await copyOf(n4)).toEqual({ assigned_trunk_id: a, assigned_type: 'backup' });
    // A call stamping last_used_at changes nothing.
    await db.updateTable('trunk_phone_numbers').set({ last_used_at: at }).execute();
    await expectCopyInStep();

    await db.deleteFrom('trunk_phone_numbers').where('id', '=', `copy-${kind}-2`).execute();
    expect(await copyOf(n4)).toEqual({ assigned_trunk_id: null, assigned_type: null });
    // Deleting a trunk takes its assignments with it (ON DELETE CASCADE): its numbers are unassigned.
    await db.deleteFrom('sip_trunks').where('id', '=', a).execute();
    expect(await copyOf(n2)).toEqual({ assigned_trunk_id: null, assigned_type: null });
    expect(await copyOf(n1)).toEqual({ assigned_trunk_id: b, assigned_type: 'secondary' });
    expect(await copyOf(n3)).toEqual({ assigned_trunk_id: b, assigned_type: 'backup' });
    await db.deleteFrom('phone_numbers').where('id', '=', n3).execute();
    await expectCopyInStep();
  });

  it('the admin API’s assign, bulk and CSV import keep it too', async () => {
    const s = t.services;
    const trunk = await addTrunk(s, ownerId, { name: 'Copy C' });
    const numbers = await Promise.all([1, 2, 3].map(() => addNumber(s)));
    const bulk = await admin.post('/api/admin/assignments/bulk', {
      operation: 'assign',
      trunkId: trunk.id,
      assignmentType: 'backup',
      target: { phoneNumberIds: numbers.map((x) => x.id) },
    });
    expect(bulk.status).toBe(200);
    await expectCopyInStep();
    const change = await admin.post('/api/admin/assignments/bulk', {
      operation: 'change_type',
      assignmentType: 'secondary',
      target: { phoneNumberIds: [numbers[0]!.id] },
    });
    expect(change.status).toBe(200);
    expect(await copyOf(numbers[0]!.id)).toEqual({ assigned_trunk_id: trunk.id, assigned_type: 'secondary' });
    const unassign = await admin.post('/api/admin/assignments/bulk', {
      operation: 'unassign',
      target: { phoneNumberIds: [numbers[1]!.id] },
    });
    expect(unassign.status).toBe(200);
    expect(await copyOf(numbers[1]!.id)).toEqual({ assigned_trunk_id: null, assigned_type: null });
    await expectCopyInStep();
  });

  it('the numbers list answers what a join over the assignments answers: filters, counts, sorts, pages', async () => {
    const s = t.services;
    // Trunk names sort the same under any collation; two trunks share a name (ties go by number).
    const zulu1 = (await addTrunk(s, ownerId, { name: 'Zulu' })).id;
    const zulu2 = (await addTrunk(s, ownerId, { name: 'Zulu' })).id;
    const mike = (await addTrunk(s, ownerId, { name: 'Mike' })).id;
    const plan: [string, string | null, 'primary' | 'secondary' | 'backup' | null, boolean][] = [
      ['+13125550201', zulu1, 'primary', true],
      ['+13125550202', zulu2, 'backup', true],
      ['+13125550203', zulu1, 'backup', true],
      ['+14155550204', mike, 'backup', true],
      ['+14155550205', mike, 'secondary', false],
      ['+14155550206', null, null, false],
      ['+13125550207', zulu2, 'primary', true],
      ['+13125550208', mike, 'backup', true],
    ];
    for (const [number, trunkId, type, active] of plan) {
      const row = await addNumber(s, { number, area_code: number.slice(2, 5) });
      if (trunkId && type) await assign(s, trunkId, row.id, type, active);
    }
    const all = await truth();
    const cmp = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
    const expected = (
      keep: (r: Truth) => boolean,
      sort: 'number' | 'connection',
      desc: boolean,
      page: number,
      pageSize: number,
    ) => {
      const d = desc ? -1 : 1;
      const rows = all.filter(keep).sort((x, y) => {
        if (sort === 'connection') {
          if ((x.trunkName === null) !== (y.trunkName === null)) return x.trunkName === null ? 1 : -1;
          const byName = cmp(x.trunkName ?? '', y.trunkName ?? '');
          if (byName !== 0) return d * byName;
        }
        return d * cmp(x.number, y.number);
      });
      return { total: rows.length, items: rows.slice((page - 1) * pageSize, page * pageSize) };
    };
    const cases: [string, (r: Truth) => boolean][] = [
      ['', () => true],
      ['assigned=true', (r) => r.trunkId !== null],
      ['assigned=false', (r) => r.trunkId === null],
      ['assignmentType=backup', (r) => r.type === 'backup'],
      ['assigned=true&assignmentType=backup', (r) => r.type === 'backup'],
      [`trunkId=${zulu2}`, (r) => r.trunkId === zulu2],
      [`assigned=true&trunkId=${zulu1}`, (r) => r.trunkId === zulu1],
      ['assigned=false&assignmentType=backup', () => false],
      ['areaCode=312&assigned=false', (r) => r.area === '312' && r.trunkId === null],
      ['areaCode=415&assigned=true', (r) => r.area === '415' && r.trunkId !== null],
      ['q=55502&assigned=true', (r) => r.number.includes('55502') && r.trunkId !== null],
    ];
    for (const [filter, keep] of cases) {
      for (const sort of ['number', 'connection'] as const) {
        for (const desc of [false, true]) {
          for (const page of [1, 2]) {
            const query = `${filter}&sort=${desc ? '-' : ''}${sort}&page=${page}&pageSize=3`;
            const res = await admin.get(`/api/admin/numbers?${query}`);
            expect(res.status, query).toBe(200);
            const want = expected(keep, sort, desc, page, 3);
            const items = res.json.items as {
              number: string;
              activeAssignment: { trunkId: string; trunkName: string; assignmentType: string } | null;
            }[];
            expect({ total: res.json.total, numbers: items.map((i) => i.number) }, query).toEqual({
              total: want.total,
              numbers: want.items.map((r) => r.number),
            });
            expect(
              items.map(
                (i) => i.activeAssignment && [i.activeAssignment.trunkId, i.activeAssignment.assignmentType],
              ),
              query,
            ).toEqual(want.items.map((r) => r.trunkId && [r.trunkId, r.type]));
          }
        }
      }
    }
    // The database's plan for "assigned, sorted by connection" still answers after ANALYZE.
    await sql`analyze`.execute(s.db);
    const res = await admin.get('/api/admin/numbers?assignmentType=backup&sort=connection&pageSize=2');
    expect(res.json.items.map((i: { number: string }) => i.number)).toEqual(
      expected((r) => r.type === 'backup', 'connection', false, 1, 2).items.map((r) => r.number),
    );
  });
});
