/**
 * The Telnyx repository (the official SDK against the local fake): paging, retries and error translation
 * at the edge; the token cache; single flight of the sync across instances; the periodic job.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomainError } from '../../src/shared/errors.js';
import { openDatabase } from '../../src/server/db/database.js';
import { telnyxSyncJob } from '../../src/server/jobs/telnyx-sync-job.js';
import type { Repositories } from '../../src/server/repositories/index.js';
import { TelnyxRepository } from '../../src/server/repositories/telnyx/telnyx-repository.js';
import { UserRepository } from '../../src/server/repositories/user-repository.js';
import { createTelnyxServices } from '../../src/server/telnyx-wiring.js';
import { jwtExpiry, TelnyxTokenService } from '../../src/server/services/telnyx-token-service.js';
import type { SipTrunkRow } from '../../src/server/db/schema.js';
import { closeThenDrop } from '../fakes/telnyx-api/helpers.js';
import { startFakeTelnyx, type FakeTelnyx } from '../fakes/telnyx-api/server.js';
import { createTestDatabase, DATABASE_KINDS } from '../support/databases.js';

async function domainError(p: Promise<unknown>): Promise<DomainError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(DomainError);
    return err as DomainError;
  }
  throw new Error('expected a DomainError');
}

describe('TelnyxRepository', () => {
  let fake: FakeTelnyx;
  let repo: TelnyxRepository;
  beforeAll(async () => {
    fake = await startFakeTelnyx({ connections: 3, numbers: 600, tokenTtlSeconds: 600 });
    repo = new TelnyxRepository({ apiKey: fake.apiKey, baseUrl: fake.baseUrl, timeoutMs: 2_000 });
  });
  afterAll(() => fake.close());

  it('answers TELNYX_NOT_CONFIGURED without an API key, before any request', async () => {
    const none = new TelnyxRepository({ timeoutMs: 1_000 });
    expect(none.configured).toBe(false);
    fake.resetRequests();
    const err = await domainError(none.listAllConnections());
    expect(err.code).toBe('TELNYX_NOT_CONFIGURED');
    expect(fake.requests).toHaveLength(0);
  });

  it('reads every page with page[size]=250 and Bearer auth', async () => {
    fake.resetRequests();
    const numbers = await repo.listAllNumbers();
    expect(numbers).toHaveLength(600);
    expect(new Set(numbers.map((n) => n.id)).size).toBe(600);
    expect(fake.requests.map((r) => [r.query['page[number]'] ?? '1', r.query['page[size]']])).toEqual([
      ['1', '250'],
      ['2', '250'],
      ['3', '250'],
    ]);
    expect(fake.requests.every((r) => r.authorization === `Bearer ${fake.apiKey}`)).toBe(true);
    const [first] = await repo.listAllConnections();
    const mine = await repo.listAllNumbers(first!.id);
    expect(mine.length).toBe(fake.numbersOf(first!.id).length);
    expect(fake.requests.at(-1)!.query['filter[connection_id]']).toBe(first!.id);
  });

  it('sends only query parameters Telnyx documents (it ignores the others, which would widen a filtered list)', async () => {
    fake.resetRequests();
    const [first] = await repo.listAllConnections();
    const mine = await repo.listAllNumbers(first!.id);
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.every((n) => n.connectionId === first!.id)).toBe(true);
    await repo.getConnection(first!.id);
    await repo.registrationStatus(first!.id);
    const cred = await repo.createCredential(first!.id, 'params-check');
    await repo.getCredential(cred.id);
    await repo.createToken(cred.id);
    expect(fake.requests.length).toBeGreaterThanOrEqual(6);
    expect(fake.requests.filter((r) => r.ignored.length > 0).map((r) => [r.path, r.ignored])).toEqual([]);
  });

  it('translates a wrong key into TELNYX_ERROR with Telnyx’s own detail, without retrying', async () => {
    const bad = new TelnyxRepository({ apiKey: 'wrong', baseUrl: fake.baseUrl, timeoutMs: 1_000 });
    fake.resetRequests();
    const err = await domainError(bad.listAllConnections());
    expect(err.code).toBe('TELNYX_ERROR');
    expect(err.message).toBe(
      'Telnyx rejected the API key: The API key provided is invalid or does not exist.',
    );
    expect(fake.requests).toHaveLength(1);
  });

  it('lets the SDK retry 429 (code 10011) and 5xx, and says so when retries run out', async () => {
    fake.rateLimitNext(2);
    expect(await repo.listAllConnections()).toHaveLength(3);
    fake.failNext(1, 502);
    expect(await repo.listAllConnections()).toHaveLength(3);
    fake.rateLimitNext(3, 42);
    const err = await domainError(repo.listAllConnections());
    expect(err.code).toBe('TELNYX_UNAVAILABLE');
    // Telnyx's documented 429 body and its x-ratelimit-reset header, in plain words.
    expect(err.message).toBe(
      'Telnyx API rate limit reached: You have exceeded the maximum number of allowed requests. Try again in 42 s.',
    );
    expect(err.details).toMatchObject({ status: 429, telnyxCode: '10011', retryAfterSeconds: 42 });
    const limited = fake.responses.at(-1)!;
    expect(limited.status).toBe(429);
    expect(limited.headers).toMatchObject({ 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '42' });
  });

  it('turns timeouts and a dead server into TELNYX_UNAVAILABLE with a plain message', async () => {
    const quick = new TelnyxRepository({
      apiKey: fake.apiKey,
      baseUrl: fake.baseUrl,
      timeoutMs: 200,
      maxRetries: 0,
    });
    fake.setDelay(500);
    try {
      const err = await domainError(quick.listAllConnections());
      expect(err).toMatchObject({
        code: 'TELNYX_UNAVAILABLE',
        message: 'Telnyx API did not answer in 0.2 s',
      });
    } finally {
      fake.setDelay(0);
    }
    await fake.down();
    try {
      const err = await domainError(quick.getConnection('x'));
      expect(err.code).toBe('TELNYX_UNAVAILABLE');
      // The first request may hit a pooled socket the server closed; either way the message is plain.
      expect(err.message).toMatch(
        /^Telnyx API cannot be reached( \((connection refused|UND_ERR_SOCKET)\))?$/,
      );
    } finally {
      await fake.up();
    }
  });

  it('creates a telephony credential and mints a JWT from it (text/plain); a deleted one gives null', async () => {
    const [conn] = await repo.listAllConnections();
    const cred = await repo.createCredential(conn!.id, 'dialer-test');
    expect(cred.connectionId).toBe(conn!.id);
    fake.resetRequests();
    const token = await repo.createToken(cred.id);
    expect(fake.requests[0]).toMatchObject({
      method: 'POST',
      accept: 'text/plain',
      path: `/v2/telephony_credentials/${cred.id}/token`,
    });
    expect(fake.verifyToken(token!)).not.toBeNull();
    expect(jwtExpiry(token!)).toBeGreaterThan(Date.now());
    expect(await repo.createToken('00000000-0000-0000-0000-000000000000')).toBeNull();
  });

  it('caches tokens per trunk until shortly before they expire', async () => {
    let now = Date.now();
    const saved: string[] = [];
    const links = {
      saveCredentialId: (_trunk: string, id: string) => {
        saved.push(id);
        return Promise.resolve(id);
      },
    } as unknown as Repositories['telnyxLinks'];
    const tokens = new TelnyxTokenService({ telnyxLinks: links }, repo, 'ws://127.0.0.1:9/rtc', () => now);
    const [conn] = await repo.listAllConnections();
    const trunk = {
      id: 'trunk-1',
      name: 'T',
      display_name: null,
      provider: 'telnyx',
      settings: '{"dtmfMode":"info"}',
      telnyx_connection_id: conn!.id,
      telnyx_credential_id: null,
    } as unknown as SipTrunkRow;
    const [a, b] = await Promise.all([tokens.registrationFor(trunk), tokens.registrationFor(trunk)]);
    expect(a!.loginToken).toBe(b!.loginToken); // one mint for concurrent registrations
    expect(a).toMatchObject({ dtmfMode: 'info', rtcHost: 'ws://127.0.0.1:9/rtc', fallback: false });
    expect(saved).toHaveLength(1);
    now += 4 * 60_000; // 6 of its 10 minutes left: still served from the cache
    expect((await tokens.registrationFor(trunk))!.loginToken).toBe(a!.loginToken);
    await new Promise((r) => setTimeout(r, 1_100)); // a fresh token gets a later iat/exp
    now += 2 * 60_000; // under 5 minutes left: a new token, from the same credential
    const c = await tokens.registrationFor(trunk);
    expect(c!.loginToken).not.toBe(a!.loginToken);
    expect(saved).toHaveLength(1);
    // Relinked to another connection: a credential of that connection replaces the stored one.
    const conn2 = (await repo.listAllConnections())[1]!;
    const relinked = await tokens.registrationFor({
      ...trunk,
      telnyx_connection_id: conn2.id,
      telnyx_credential_id: saved[0]!,
    });
    expect(relinked!.loginToken).not.toBe(c!.loginToken);
    expect(saved).toHaveLength(2);
    expect(fake.credentials.get(saved[1]!)!.resource_id).toBe(`connection:${conn2.id}`);
    // Not linked, or tokens off: not a token trunk (the registration service answers with login/password).
    expect(await tokens.registrationFor({ ...trunk, telnyx_connection_id: null })).toBeNull();
    expect(await tokens.registrationFor({ ...trunk, settings: '{"useLoginToken":false}' })).toBeNull();
  });
});

describe.each(DATABASE_KINDS)('Telnyx sync single flight and job (%s)', (kind) => {
  let fake: FakeTelnyx;
  beforeAll(async () => {
    fake = await startFakeTelnyx({ connections: 2, numbers: 300 });
  });
  afterAll(() => fake.close());

  it('runs once across two app instances on one database; the job skips while another run holds it', async () => {
    const d = await createTestDatabase(kind);
    const other = openDatabase(d.config.database); // a second "instance": its own pool / connection
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
      const a = createTelnyxServices(config, d.handle.db, d.kind);
      const b = createTelnyxServices(config, other.db, other.kind);
      fake.setDelay(100);
      const first = await a.sync.start();
      const err = await domainError(b.sync.start());
      expect(err.code).toBe('CONFLICT');
      expect(err.details).toEqual({ runId: first.run.id });

      const warnings: object[] = [];
      const job = telnyxSyncJob({
        sync: b.sync,
        intervalMinutes: 60,
        logger: { info: () => undefined, warn: (o) => warnings.push(o) },
      })!;
      await job.run(); // skipped quietly: the other instance is running
      expect(warnings).toEqual([]);
      expect((await first.done).status).toBe('succeeded');
      fake.setDelay(0);

      await job.run(); // now it runs
      const runs = await b.sync.listRuns();
      expect(runs.map((r) => r.status)).toEqual(['succeeded', 'succeeded']);
      expect(runs[0]!.counts.numbers.unchanged).toBe(300);
      expect(telnyxSyncJob({ sync: b.sync, intervalMinutes: 0, logger: console })).toBeNull();
    } finally {
      fake.setDelay(0);
      await other.close();
      await closeThenDrop(d);
    }
  });
});
