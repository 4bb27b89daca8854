/**
 * A Telnyx sync with nothing to change writes no trunk, number or assignment row (no "seen in this run"
 * markers: what Telnyx no longer has is found by difference at the end), on both databases; and the
 * sync reads the next page from the API while it writes the current one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserRepository } from '../../src/server/repositories/user-repository.js';
import { readAhead } from '../../src/server/services/telnyx-sync-service.js';
import { createTelnyxServices } from '../../src/server/telnyx-wiring.js';
import { closeThenDrop } from '../fakes/telnyx-api/helpers.js';
import { startFakeTelnyx, type FakeTelnyx } from '../fakes/telnyx-api/server.js';
import { createTestDatabase, DATABASE_KINDS } from '../support/databases.js';

describe('readAhead', () => {
  it('asks for the next page while the current one is being worked on, and keeps their order', async () => {
    const events: string[] = [];
    async function* pages() {
      for (let i = 1; i <= 3; i++) {
        events.push(`fetch ${i}`);
        await new Promise((r) => setTimeout(r, 5));
        yield i;
      }
    }
    const seen: number[] = [];
    for await (const page of readAhead(pages())) {
      events.push(`write ${page} start`);
      await new Promise((r) => setTimeout(r, 20));
      events.push(`write ${page} end`);
      seen.push(page);
    }
    expect(seen).toEqual([1, 2, 3]);
    // Page 2 was requested before page 1's write ended.
    expect(events.indexOf('fetch 2')).toBeLessThan(events.indexOf('write 1 end'));
    expect(events.indexOf('fetch 3')).toBeLessThan(events.indexOf('write 2 end'));
  });

  it('rethrows a failed read in its turn', async () => {
    async function* pages() {
      yield await Promise.resolve(1);
      throw new Error('page 2 failed');
    }
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const page of readAhead(pages())) seen.push(page);
      })(),
    ).rejects.toThrow('page 2 failed');
    expect(seen).toEqual([1]);
  });
});

describe.each(DATABASE_KINDS)('Telnyx sync writes (%s)', (kind) => {
  let fake: FakeTelnyx;
  beforeAll(async () => {
    fake = await startFakeTelnyx({ connections: 3, numbers: 600 });
  });
  afterAll(() => fake.close());

  it('writes no trunk, number or assignment row when nothing changed at Telnyx', async () => {
    const d = await createTestDatabase(kind);
    try {
      await new UserRepository(d.handle.db).create({
        email: 'admin@example.com',
        name: 'Admin',
        passwordHash: 'x',
        role: 'admin',
        status: 'active',
        defaultCountry: 'US',
      });
      const config = { telnyx: { ...d.config.telnyx, apiKey: fake.apiKey, baseUrl: fake.baseUrl } };
      const { sync } = createTelnyxServices(config, d.handle.db, d.kind);
      const first = await sync.run();
      expect(first.status).toBe('succeeded');
      expect(first.counts.numbers.created).toBe(600);

      d.queries.length = 0;
      const second = await sync.run();
      expect(second.status).toBe('succeeded');
      expect(second.counts.numbers.unchanged).toBe(600);
      const dataWrites = d.queries.filter((q) =>
        /^\s*(insert into|update|delete from)\s+"?(sip_trunks|phone_numbers|trunk_phone_numbers)"?/i.test(q),
      );
      expect(dataWrites).toEqual([]);
    } finally {
      await closeThenDrop(d);
    }
  });
});
