/**
 * Bulk assignment and the CSV import/export on both databases: one request, one transaction, a dry run
 * that writes nothing, the assignment rules explained per number, all-or-nothing applies with one audit
 * entry, and every kind of bad CSV answered with a per-line report (never a 5xx, nothing written).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type Client, type TestApp } from '../support/app.js';
import { DATABASE_KINDS } from '../support/databases.js';
import { addNumber, addTrunk, addUser, PASSWORD, tableCounts } from '../support/dialer-fixtures.js';

describe.each(DATABASE_KINDS)('bulk assignment and CSV import (%s)', (kind) => {
  let t: TestApp;
  let admin: Client;
  let agent: Client;
  let trunkA: string;
  let trunkB: string;
  const area312: string[] = [];
  const others: string[] = [];

  const activeOn = async (trunkId: string) =>
    (await t.services.repos.assignments.list({ trunkId, isActive: true }, { limit: 500, offset: 0 })).rows;
  const csv = (text: string, query = '') =>
    admin.request('POST', `/api/admin/assignments/import${query}`, text, { 'content-type': 'text/csv' });
  const bulk = (body: object) => admin.post('/api/admin/assignments/bulk', body);

  beforeAll(async () => {
    t = await startTestApp(kind, { env: { LOGIN_RATE_LIMIT: '1000' } });
    const s = t.services;
    await addUser(s, { email: 'admin@example.com', role: 'admin' });
    const owner = await addUser(s, { email: 'agent@example.com' });
    admin = await t.login('admin@example.com', PASSWORD);
    agent = await t.login('agent@example.com', PASSWORD);
    trunkA = (await addTrunk(s, owner.id, { name: 'Trunk A' })).id;
    trunkB = (await addTrunk(s, owner.id, { name: 'Trunk B' })).id;
    for (let i = 0; i < 50; i++) {
      const number = `+1312555${String(1000 + i)}`;
      area312.push((await addNumber(s, { number, country: 'US', area_code: '312' })).id);
    }
    for (let i = 0; i < 5; i++) {
      const number = `+1415555${String(2000 + i)}`;
      others.push((await addNumber(s, { number, country: 'US', area_code: '415' })).id);
    }
  });
  afterAll(() => t.close());

  it('bulk-assigns 50 numbers by filter: a dry run writes nothing, the apply writes all and one audit entry', async () => {
    const request = {
      operation: 'assign',
      trunkId: trunkA,
      assignmentType: 'secondary',
      target: { filter: { areaCode: '312', assigned: false } },
    };
    const before = await tableCounts(t.services);
    const dry = await bulk({ ...request, dryRun: true });
    expect(dry.status).toBe(200);
    expect(dry.json).toMatchObject({
      operation: 'assign',
      dryRun: true,
      applied: false,
      counts: { requested: 50, changed: 50, unchanged: 0, refused: 0 },
    });
    expect(dry.json.outcomes[0]).toMatchObject({
      number: '+13125551000',
      outcome: 'assigned',
      before: null,
      after: { trunkId: trunkA, trunkName: 'Trunk A', assignmentType: 'secondary' },
    });
    expect(await tableCounts(t.services)).toEqual(before);

    const applied = await bulk(request);
    expect(applied.status).toBe(200);
    expect(applied.json).toMatchObject({ applied: true, counts: { changed: 50 } });
    expect(await activeOn(trunkA)).toHaveLength(50);
    const audit = await t.services.repos.audit.list({ action: 'assignment.bulk' });
    expect(audit).toHaveLength(1);
    expect(audit[0]!.details).toMatchObject({
      operation: 'assign',
      trunkId: trunkA,
      counts: { requested: 50, changed: 50 },
    });
    // The same request again changes nothing.
    expect((await bulk({ ...request, target: { filter: { areaCode: '312' } } })).json.counts).toMatchObject({
      changed: 0,
      unchanged: 50,
    });
  });

  it('refuses the whole request with a 409 and a per-number reason when any number breaks a rule', async () => {
    const before = await tableCounts(t.services);
    // Two primaries on one trunk, and a number already on trunk A.
    const res = await bulk({
      operation: 'assign',
      trunkId: trunkB,
      assignmentType: 'primary',
      target: { phoneNumberIds: [others[0], others[1], area312[0]] },
    });
    expect(res.status).toBe(409);
    expect(res.json.error.code).toBe('CONFLICT');
    expect(res.json.error.message).toMatch(/2 of 3 numbers cannot be changed.*nothing was written/);
    const outcomes = res.json.error.details.outcomes as { outcome: string; code?: string; reason?: string }[];
    expect(outcomes.map((o) => o.outcome)).toEqual(['assigned', 'refused', 'refused']);
    expect(outcomes[1]).toMatchObject({ code: 'primary_taken' });
    expect(outcomes[1]!.reason).toMatch(/Trunk B already has an active primary/);
    expect(outcomes[2]).toMatchObject({ code: 'assigned_elsewhere' });
    expect(outcomes[2]!.reason).toMatch(/\+13125551000 is actively assigned to trunk Trunk A/);
    expect(await tableCounts(t.services)).toEqual(before);
  });

  it('reassigns by connection, changes a type and unassigns, freeing and taking the primary in request order', async () => {
    const moved = await bulk({
      operation: 'reassign',
      trunkId: trunkB,
      target: { filter: { trunkId: trunkA } },
    });
    expect(moved.status).toBe(200);
    expect(moved.json.counts).toMatchObject({ requested: 50, changed: 50 });
    expect(moved.json.outcomes[0]).toMatchObject({
      outcome: 'reassigned',
      before: { trunkName: 'Trunk A', assignmentType: 'secondary' },
      after: { trunkName: 'Trunk B', assignmentType: 'secondary' },
    });
    expect(await activeOn(trunkA)).toHaveLength(0);
    expect(await activeOn(trunkB)).toHaveLength(50);

    const primary = await bulk({
      operation: 'change_type',
      assignmentType: 'primary',
      target: { phoneNumberIds: [area312[5]] },
    });
    expect(primary.json.outcomes[0]).toMatchObject({
      outcome: 'type_changed',
      after: { assignmentType: 'primary' },
    });
    // Back to trunk A (its old, inactive rows come back) keeping each type: A takes the primary.
    const back = await bulk({
      operation: 'reassign',
      trunkId: trunkA,
      target: { phoneNumberIds: area312.slice(0, 10) },
    });
    expect(back.status).toBe(200);
    const onA = await activeOn(trunkA);
    expect(onA.filter((a) => a.assignment_type === 'primary').map((a) => a.phone_number_id)).toEqual([
      area312[5],
    ]);

    const gone = await bulk({
      operation: 'unassign',
      trunkId: trunkA,
      target: { phoneNumberIds: area312.slice(0, 12) },
    });
    expect(gone.json.counts).toMatchObject({ requested: 12, changed: 10, unchanged: 2 });
    expect(await activeOn(trunkA)).toHaveLength(0);
    expect(await activeOn(trunkB)).toHaveLength(40);
    const notAssigned = await bulk({
      operation: 'change_type',
      assignmentType: 'backup',
      target: { phoneNumberIds: [area312[0]] },
      dryRun: true,
    });
    expect(notAssigned.json.outcomes[0]).toMatchObject({ outcome: 'refused', code: 'not_assigned' });
  });

  it('answers 400 for unknown ids and connections, and for a malformed request', async () => {
    const unknownNumber = await bulk({
      operation: 'unassign',
      target: { phoneNumberIds: ['no-such-number'] },
    });
    expect(unknownNumber.status).toBe(400);
    expect(unknownNumber.json.error.message).toMatch(/phoneNumberIds/);
    const unknownTrunk = await bulk({
      operation: 'assign',
      trunkId: 'nope',
      assignmentType: 'backup',
      target: { phoneNumberIds: [others[2]] },
    });
    expect(unknownTrunk.status).toBe(400);
    expect(unknownTrunk.json.error.message).toMatch(/trunkId/);
    const badOperation = await bulk({ operation: 'delete', target: { phoneNumberIds: [others[2]] } });
    expect(badOperation.status).toBe(400);
    expect(badOperation.json.error.message).toMatch(/operation/);
    const noTarget = await bulk({ operation: 'unassign', target: {} });
    expect(noTarget.status).toBe(400);
  });

  describe('CSV import', () => {
    it('dry-runs a file: every row’s outcome, nothing written; then applies it with one audit entry', async () => {
      const file =
        'number,connection,type,action\r\n' +
        '+14155552000,Trunk A,primary,assign\r\n' +
        `(415) 555-2001,${trunkA},backup,assign\r\n` +
        '\r\n' +
        '+13125551020,,,unassign\r\n';
      const before = await tableCounts(t.services);
      const dry = await csv(file, '?dryRun=true');
      expect(dry.status).toBe(200);
      expect(dry.json).toMatchObject({
        dryRun: true,
        applied: false,
        rows: 3,
        problems: [],
        formulaPolicy: 'refused',
      });
      expect(
        dry.json.outcomes.map((o: { line: number; outcome: string; number: string }) => [
          o.line,
          o.outcome,
          o.number,
        ]),
      ).toEqual([
        [2, 'assigned', '+14155552000'],
        [3, 'assigned', '+14155552001'],
        [5, 'unassigned', '+13125551020'],
      ]);
      expect(await tableCounts(t.services)).toEqual(before);

      const applied = await csv(file);
      expect(applied.status).toBe(200);
      expect(applied.json).toMatchObject({ applied: true, counts: { changed: 3 } });
      expect((await activeOn(trunkA)).map((a) => a.number).sort()).toEqual(['+14155552000', '+14155552001']);
      const audit = await t.services.repos.audit.list({ action: 'assignment.import' });
      expect(audit).toHaveLength(1);
      expect(audit[0]!.details).toMatchObject({ rows: 3, counts: { changed: 3 } });
    });

    it('changes nothing when one row is bad, and names its line', async () => {
      const before = await tableCounts(t.services);
      const res = await csv(
        'number,connection,type,action\n+14155552002,Trunk A,secondary,assign\n+14155552003,Nowhere,secondary,assign\n',
      );
      expect(res.status).toBe(400);
      expect(res.json.error.code).toBe('VALIDATION_FAILED');
      expect(res.json.error.message).toMatch(
        /1 problem \(line 3: connection: no connection has the id or name "Nowhere"\.\); nothing was written/,
      );
      expect(res.json.error.details.problems).toEqual([
        {
          line: 3,
          column: 'connection',
          code: 'unknown_connection',
          message: expect.stringMatching(/Nowhere/),
        },
      ]);
      expect(await tableCounts(t.services)).toEqual(before);
    });

    it('reports every bad row of a malformed file with its line number', async () => {
      const before = await tableCounts(t.services);
      const res = await csv(
        [
          'Number,Connection,Type,Action',
          '=HYPERLINK("http://evil"),Trunk A,secondary,assign', // 2 formula
          '+14155552004,Trunk A,secondary,assign', // 3 fine
          '+14155552004,Trunk A,backup,assign', // 4 duplicate of 3
          '12,Trunk A,secondary,assign', // 5 not a number
          '+14155552005,Trunk A,favourite,assign', // 6 bad type
          '+14155552006,Trunk A,secondary', // 7 three fields
          '+19995550100,Trunk A,secondary,assign', // 8 invalid number
          '+14155559999,Trunk A,secondary,assign', // 9 not the team's
          '+14155552007,@SUM(A1),secondary,assign', // 10 formula
          '+14155552008,Trunk A,secondary,delete', // 11 bad action
        ].join('\n'),
        '?dryRun=true',
      );
      expect(res.status).toBe(200);
      const problems = res.json.problems as {
        line: number;
        code: string;
        column?: string;
        message: string;
      }[];
      expect(problems.map((p) => [p.line, p.code, p.column])).toEqual([
        [2, 'invalid_row', 'number'],
        [2, 'invalid_row', 'number'],
        [4, 'duplicate', 'number'],
        [5, 'invalid_row', 'number'],
        [6, 'invalid_row', 'type'],
        [7, 'invalid_row', undefined],
        [7, 'invalid_row', 'action'],
        [8, 'invalid_row', 'number'],
        [9, 'unknown_number', 'number'],
        [10, 'invalid_row', 'connection'],
        [10, 'unknown_connection', 'connection'],
        [11, 'invalid_row', 'action'],
      ]);
      expect(problems[0]!.message).toMatch(/spreadsheet formula and is refused/);
      expect(problems[2]!.message).toMatch(/already on line 3/);
      expect(res.json.outcomes.find((o: { line: number }) => o.line === 3)).toMatchObject({
        outcome: 'assigned',
      });
      expect(await tableCounts(t.services)).toEqual(before);
    });

    it('answers a file that cannot be read with one problem, never a 5xx', async () => {
      const latin1 = Buffer.concat([
        Buffer.from('number,connection,type,action\n+14155552002,Trunk A,secondary,assign\n+14155552003,Caf'),
        Buffer.from([0xe9]),
        Buffer.from(',secondary,assign\n'),
      ]);
      const cases: [string | Buffer, RegExp, number][] = [
        [latin1, /not UTF-8/, 3],
        [
          'number;connection;type;action\n+14155552002;Trunk A;primary;assign\n',
          /first line must be the header/,
          1,
        ],
        ['', /empty/, 1],
        ['number,connection,type,action\n', /no rows/, 1],
        ['number,connection,type,action\n"+14155552002,Trunk A,primary,assign\n', /not valid CSV/, 2],
        // PostgreSQL cannot store a NUL character; before this check it reached a query in a name.
        [
          'number,connection,type,action\n+14155552002,Trunk A,primary,assign\n+14155552003,Tr\u0000unk A,primary,assign\n',
          /NUL character/,
          3,
        ],
      ];
      for (const [body, message, line] of cases) {
        const res = await fetch(`${t.baseUrl}/api/admin/assignments/import?dryRun=true`, {
          method: 'POST',
          headers: { cookie: admin.cookie!, 'x-csrf-token': admin.csrfToken!, 'content-type': 'text/csv' },
          body: typeof body === 'string' ? body : new Uint8Array(body),
        });
        const json = (await res.json()) as { problems: { line: number; message: string }[] };
        expect(res.status, String(message)).toBe(200);
        expect(json.problems).toHaveLength(1);
        expect(json.problems[0]!.message).toMatch(message);
        expect(json.problems[0]!.line).toBe(line);
      }
      const applied = await csv('number,connection\n+14155552002,Trunk A\n');
      expect(applied.status).toBe(400);
      expect(applied.json.error.details.problems[0].code).toBe('file');
    });

    it('refuses a 50 MB file with a 413 and a JSON body with a 415, in the error shape', async () => {
      const big =
        'number,connection,type,action\n' + '+14155552002,Trunk A,primary,assign\n'.repeat(1_400_000);
      const tooLarge = await csv(big, '?dryRun=true');
      expect(tooLarge.status).toBe(413);
      expect(tooLarge.json.error.code).toBe('PAYLOAD_TOO_LARGE');
      const json = await admin.post('/api/admin/assignments/import', { number: '+14155552002' });
      expect(json.status).toBe(415);
      expect(json.json.error.message).toMatch(/text\/csv/);
    });

    it('exports the current filter as CSV that imports back unchanged, with formulas neutralised', async () => {
      await t.services.admin.trunks.update(trunkB, { name: '=cmd|calc' }, null);
      const res = await admin.get(`/api/admin/assignments/export.csv?areaCode=312&trunkId=${trunkB}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/text\/csv/);
      const lines = res.text.trim().split('\r\n');
      expect(lines[0]).toBe('number,connection,type,action');
      expect(lines).toHaveLength(40);
      expect(lines[1]).toMatch(/^\+1312555\d{4},'=cmd\|calc,(secondary|primary),assign$/);
      await t.services.admin.trunks.update(trunkB, { name: 'Trunk B' }, null);
      const again = (await admin.get(`/api/admin/assignments/export.csv?trunkId=${trunkB}`)).text;
      const roundTrip = await csv(again, '?dryRun=true');
      expect(roundTrip.json).toMatchObject({
        problems: [],
        counts: { requested: 39, unchanged: 39, changed: 0 },
      });
    });
  });

  it('answers 403 to an agent on the bulk, import and export routes', async () => {
    const cases: [string, string, unknown, Record<string, string>?][] = [
      [
        'POST',
        '/api/admin/assignments/bulk',
        { operation: 'unassign', target: { phoneNumberIds: [others[0]] } },
      ],
      [
        'POST',
        '/api/admin/assignments/import?dryRun=true',
        'number,connection,type,action\n',
        { 'content-type': 'text/csv' },
      ],
      ['GET', '/api/admin/assignments/export.csv', undefined],
    ];
    for (const [method, path, body, headers] of cases) {
      expect((await agent.request(method, path, body, headers)).status, path).toBe(403);
    }
  });
});
