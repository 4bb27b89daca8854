/**
 * `dialer health check` as an operator runs it (the compiled bin), against a real Kamailio: the JSON items,
 * the text lines, and exit code 1 when an active connection is down.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServices, type Services } from '../../src/server/container.js';
import { startSipLab, type SipLab } from '../lab/sip-lab.js';
import { cliEnv, runDialer } from '../support/cli.js';
import { DATABASE_KINDS, createTestDatabase, type TestDatabase } from '../support/databases.js';
import { addTrunk, addUser } from '../support/dialer-fixtures.js';

let lab: SipLab;
beforeAll(async () => {
  lab = await startSipLab({ users: [{ username: 'agent1', password: 's3cret' }] });
});
afterAll(() => lab?.stop());

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

describe.each(DATABASE_KINDS)('dialer health check (%s)', (kind) => {
  let database: TestDatabase;
  let services: Services;
  let up: string;
  let down: string;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    services = createServices({ config: database.config, db: database.handle.db, databaseKind: kind });
    const owner = await addUser(services);
    up = (await addTrunk(services, owner.id, { name: 'Kamailio', ws_server: lab.wsUrl, sip_uri: lab.sipUri }))
      .id;
    down = (
      await addTrunk(services, owner.id, {
        name: 'Nobody home',
        ws_server: `ws://127.0.0.1:${await closedPort()}`,
        sip_uri: 'dialer.test',
      })
    ).id;
    await services.health.updateThresholds(owner.id, { failuresBeforeDown: 1 });
  });
  afterAll(() => database?.drop());

  it('prints every active connection with state, latency and reason, and exits 1 when one is down', async () => {
    const res = await runDialer(['health', 'check', '--json'], cliEnv(database));
    expect(res.code, res.stderr).toBe(1);
    const items = JSON.parse(res.stdout) as Record<string, unknown>[];
    const byId = new Map(items.map((i) => [i.connectionId, i]));
    expect(byId.get(up)).toMatchObject({
      name: 'Kamailio',
      state: 'up',
      reason: expect.stringMatching(/^OPTIONS answered 200/),
    });
    expect(byId.get(up)!.latencyMs).toEqual(expect.any(Number));
    expect(byId.get(down)).toMatchObject({
      state: 'down',
      latencyMs: null,
      reason: expect.stringMatching(/connection refused/),
    });
    for (const i of items)
      expect(Object.keys(i)).toEqual(
        expect.arrayContaining(['connectionId', 'name', 'state', 'latencyMs', 'checkedAt', 'reason']),
      );

    const one = await runDialer(['health', 'check', '--connection', up], cliEnv(database));
    expect(one.code, one.stderr).toBe(0);
    expect(one.stdout).toMatch(/^up\s+\d+ ms {2}Kamailio/m);

    const unknown = await runDialer(
      ['health', 'check', '--connection', 'no-such-connection'],
      cliEnv(database),
    );
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('No connection with the id no-such-connection');
  });
});
