/**
 * GET /api/connections answers ConnectionsService.listForUserJson: JSON text that must be, byte for
 * byte, JSON.stringify of listForUser (on SQLite the numbers are built as JSON by the database).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { DATABASE_KINDS } from '../support/databases.js';
import { addNumber, addTrunk, addUser, assign, PASSWORD } from '../support/dialer-fixtures.js';

const withoutTime = (json: string): string => json.replace(/"fetchedAt":"[^"]*"/, '"fetchedAt":"T"');

describe.each(DATABASE_KINDS)('connections list as JSON text (%s)', (kind) => {
  let t: TestApp;
  let userId: string;

  beforeAll(async () => {
    t = await startTestApp(kind, { env: { LOGIN_RATE_LIMIT: '1000' } });
    const s = t.services;
    userId = (await addUser(s, { email: 'json@example.com', name: 'Json' })).id;
    // Text that JSON escapes (quotes, backslash, control characters, non-ASCII), nulls, an empty trunk,
    // and capabilities that are not a JSON array (the mapper reads those as []).
    const odd = await addTrunk(s, userId, {
      name: 'Odd "quoted" \\ trunk\n\t\u0001 Zürich ☎ 😀',
      settings: JSON.stringify({ dtmfMode: 'info', codecs: ['OPUS'], note: 'a"b\\c\u0002' }),
      notes: null,
      region: null,
      channel_limit: null,
      health_status: 'down',
    });
    await addTrunk(s, userId, { name: 'Empty trunk', settings: 'not json', password: null });
    await addTrunk(s, userId, { name: 'Array settings', settings: '[1,2]' });
    const caps = ['["voice"]', '["voice","sms","fax"]', '[]', 'not json', '{"voice":true}', '"voice"', ''];
    for (let i = 0; i < caps.length; i++) {
      const n = await addNumber(s, {
        city: i % 2 ? `Saint-"Étienne" \\ ${i}\r\n` : null,
        region: i % 3 ? 'IL' : null,
        country: i === 0 ? null : 'FR',
        capabilities: caps[i]!,
        number_type: i % 2 ? 'mobile' : 'local',
      });
      await assign(s, odd.id, n.id, i === 0 ? 'primary' : i < 3 ? 'secondary' : 'backup');
    }
    for (let k = 0; k < 3; k++) {
      const tr = await addTrunk(s, userId, { name: `Line ${k}` });
      for (let i = 0; i < 4; i++)
        await assign(s, tr.id, (await addNumber(s)).id, i === 0 ? 'primary' : 'backup');
      await assign(s, tr.id, (await addNumber(s)).id, 'secondary', false);
    }
  });
  afterAll(() => t.close());

  it('is JSON.stringify of listForUser, byte for byte', async () => {
    const user = { id: userId };
    const json = await t.services.connections.listForUserJson(user);
    const dto = await t.services.connections.listForUser(user);
    expect(dto.count).toBe(6);
    expect(withoutTime(json)).toBe(withoutTime(JSON.stringify(dto)));
    expect(JSON.parse(json).fetchedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('is what GET /api/connections sends, as application/json', async () => {
    const client = await t.login('json@example.com', PASSWORD);
    const res = await client.get('/api/connections');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const dto = await t.services.connections.listForUser({ id: userId });
    expect(withoutTime(res.text)).toBe(withoutTime(JSON.stringify(dto)));
  });

  it('answers an empty list for a user without trunks', async () => {
    const other = await addUser(t.services, { email: 'none@example.com' });
    const json = await t.services.connections.listForUserJson({ id: other.id });
    expect(withoutTime(json)).toBe(
      withoutTime(JSON.stringify(await t.services.connections.listForUser({ id: other.id }))),
    );
  });
});
