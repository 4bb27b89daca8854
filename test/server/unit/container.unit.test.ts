/**
 * Building the services is side-effect free: no timer, no background work (periodic jobs start only with
 * `serve`, src/server/main.ts), so a CLI command or a test that builds them exits as soon as it is done.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createServices } from '../../../src/server/container.js';
import { serverJobs } from '../../../src/server/jobs/index.js';
import { createTestDatabase, type TestDatabase } from '../../support/databases.js';

describe('createServices', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase('sqlite', { TELNYX_API_KEY: 'k', TELNYX_SYNC_INTERVAL_MINUTES: '5' });
  });
  afterAll(() => database.drop());
  afterEach(() => vi.restoreAllMocks());

  it('starts no timer, even with every periodic job configured', () => {
    // Spies, not the active-handle list: an unref'd timer is not listed there but still fires.
    const timers = [vi.spyOn(globalThis, 'setTimeout'), vi.spyOn(globalThis, 'setInterval')];
    const services = createServices({ config: database.config, db: database.handle.db });
    // The jobs exist, for serve to start: the abandoned-call sweep, with a key and an interval the sync,
    // the trunk health round (HEALTH_CHECK_INTERVAL_SECONDS, default 30) and the roll-up fold.
    const jobs = serverJobs(services, {
      info: () => undefined,
      warn: () => undefined,
      error: () => undefined,
    });
    expect(jobs.map((j) => [j.name, j.everySeconds])).toEqual([
      ['abandoned-calls', 30],
      ['telnyx-sync', 300],
      ['trunk-health', 30],
      ['rollup-fold', 2],
    ]);
    for (const spy of timers) expect(spy).not.toHaveBeenCalled();
  });
});
