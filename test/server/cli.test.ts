/**
 * The `dialer` CLI as a user runs it: the compiled bin (bin/dialer.js) in a child process with DATABASE_URL
 * and DATA_DIR pointing at a test database, checked by its exit code and output.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServices, type Services } from '../../src/server/container.js';
import { DEMO_USERS, seedDemo } from '../../src/server/seed/demo-seed.js';
import { plainTestHasher } from '../support/app.js';
import { argon2Hasher } from '../../src/server/repositories/password-hasher.js';
import { DIALER_BIN, cliEnv, runDialer, type CliResult } from '../support/cli.js';
import { DATABASE_KINDS, createTestDatabase, type TestDatabase } from '../support/databases.js';

function runCli(
  database: TestDatabase,
  args: string[],
  env: Record<string, string> = {},
): Promise<CliResult> {
  return runDialer(args, cliEnv(database, env));
}

async function snapshot(services: Services): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const table of ['users', 'sip_trunks', 'phone_numbers', 'trunk_phone_numbers'] as const) {
    const rows = await services.db.selectFrom(table).select(['id', 'updated_at']).orderBy('id').execute();
    out[table] = rows.map((r) => `${r.id}@${r.updated_at}`);
  }
  return out;
}

describe.each(DATABASE_KINDS)('dialer CLI (%s)', (kind) => {
  let database: TestDatabase;
  let services: Services;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    services = createServices({ config: database.config, db: database.handle.db, databaseKind: kind });
  });
  afterAll(async () => {
    await database.drop();
  });

  it('seeds the demo data idempotently and prints the demo logins', async () => {
    const first = await runCli(database, ['seed']);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    for (const u of Object.values(DEMO_USERS)) {
      expect(first.stdout).toContain(u.email);
      expect(first.stdout).toContain(u.password);
    }
    const before = await snapshot(services);
    expect(before.users).toHaveLength(3);

    const second = await runCli(database, ['seed']);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('nothing changed');
    // The logins are printed when the seed writes the demo users, not again on every run.
    for (const u of Object.values(DEMO_USERS)) expect(second.stdout).not.toContain(u.password);
    expect(await snapshot(services)).toEqual(before);
  });

  it('diagnoses the demo data: every problem listed, exit code 1', async () => {
    const all = await runCli(database, ['test-sip-trunk', '--test-db-connections']);
    expect(all.code).toBe(1);
    for (const text of [
      'trunk is inactive',
      'trunk is pending',
      'no numbers assigned',
      'no active primary number',
      'credentials missing',
      'Telnyx trunk without telnyx_connection_id',
      'inactive assignment, hidden',
      'GET /api/connections as agent1@dialer.local returns:',
    ]) {
      expect(all.stdout).toContain(text);
    }
    // The diagnostic shows whether credentials exist, never what they are.
    for (const secret of ['demo-sip-agent1', 'demo-telnyx-pass-1', 'v1:'])
      expect(all.stdout).not.toContain(secret);
  });

  it('prints the same JSON as GET /api/connections for the user', async () => {
    const res = await runCli(database, [
      'test-sip-trunk',
      '--test-db-connections',
      '--user',
      'AGENT1@dialer.local',
      '--json',
    ]);
    expect(res.code).toBe(1);
    const report = JSON.parse(res.stdout) as {
      ok: boolean;
      users: {
        user: { email: string };
        api: { fetchedAt: string };
        connections: { name: string; problems: string[] }[];
      }[];
    };
    expect(report.ok).toBe(false);
    expect(report.users).toHaveLength(1);
    const [agent1] = report.users;
    expect(agent1!.user.email).toBe(DEMO_USERS.agent1.email);
    const user = await services.repos.users.findByEmail(DEMO_USERS.agent1.email);
    const expected = await services.connections.listForUser(user!);
    expect({ ...agent1!.api, fetchedAt: '' }).toEqual({ ...expected, fetchedAt: '' });
    // The inactive and pending trunks are reported although the API hides them.
    const names = agent1!.connections.map((c) => c.name);
    expect(names).toEqual(expect.arrayContaining(['London Legacy SIP', 'Telnyx Onboarding']));
    expect(agent1!.api).not.toHaveProperty('connections.2');
  });

  it('says a connection that cannot call is a problem (probed), and exits 0 when the database checks alone pass', async () => {
    // The admin's demo line is complete in the database, but nobody runs the demo phone server it
    // points at: the probes say no call can be set up on it.
    const probed = await runCli(database, [
      'test-sip-trunk',
      '--test-db-connections',
      '--user',
      DEMO_USERS.admin.email,
    ]);
    expect(probed.code).toBe(1);
    expect(probed.stdout).toContain('PROBLEM: cannot call: Not reachable');
    const res = await runCli(database, [
      'test-sip-trunk',
      '--test-db-connections',
      '--no-probe',
      '--user',
      DEMO_USERS.admin.email,
    ]);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout).toContain(`no problems for ${DEMO_USERS.admin.email}`);
  });

  it('creates a user from flags, with the password from the environment', async () => {
    const res = await runCli(
      database,
      ['user', 'create', '--email', 'New.Agent@Example.com', '--name', 'New Agent', '--role', 'agent'],
      { DIALER_USER_PASSWORD: 'long-enough-pass' },
    );
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const user = await services.repos.users.findByEmail('new.agent@example.com');
    expect(user).toMatchObject({ name: 'New Agent', role: 'agent', status: 'active' });
    expect(await argon2Hasher.verify(user!.password_hash, 'long-enough-pass')).toBe(true);

    const duplicate = await runCli(database, [
      'user',
      'create',
      '--email',
      'new.agent@example.com',
      '--name',
      'X',
      '--password',
      'long-enough-pass',
    ]);
    expect(duplicate.code).not.toBe(0);
    expect(duplicate.stderr).toMatch(/already exists/);
  });
});

// Input handling does not depend on the engine: SQLite only, to keep the suite fast.
describe('dialer CLI usage and configuration errors', () => {
  let database: TestDatabase;
  let services: Services;
  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
    services = createServices({
      config: database.config,
      db: database.handle.db,
      databaseKind: 'sqlite',
      overrides: { hasher: plainTestHasher },
    });
    await seedDemo(services);
  });
  afterAll(async () => {
    await database.drop();
  });

  it('answers an unknown user with exit code 2 and a clear message', async () => {
    const res = await runCli(database, [
      'test-sip-trunk',
      '--test-db-connections',
      '--user',
      'nobody@example.com',
    ]);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('No user with the email nobody@example.com');
    expect(res.stdout).toBe('');
  });

  it('says when the default credentials would stand in for missing ones', async () => {
    const res = await runCli(
      database,
      ['test-sip-trunk', '--test-db-connections', '--user', DEMO_USERS.agent2.email],
      {
        DEFAULT_TELNYX_LOGIN: 'fallback-login',
        DEFAULT_TELNYX_PASSWORD: 'fallback-pass',
      },
    );
    expect(res.code).toBe(1);
    expect(res.stdout).toContain('registration falls back to the default credentials');
    expect(res.stdout).not.toContain('fallback-pass');
  });

  it('rejects bad user input with every mistake listed and exit code 2', async () => {
    const res = await runCli(database, [
      'user',
      'create',
      '--email',
      'not-an-email',
      '--role',
      'boss',
      '--password',
      'short',
    ]);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('--email is not a valid email address');
    expect(res.stderr).toContain('--name is required');
    expect(res.stderr).toContain('--role must be one of admin, agent');
    expect(res.stderr).toContain('--password must be at least 8 characters');
    const missingPassword = await runCli(database, ['user', 'create', '--email', 'a@b.io', '--name', 'A']);
    expect(missingPassword.code).toBe(2);
    expect(missingPassword.stderr).toContain('DIALER_USER_PASSWORD');
    expect(await services.repos.users.findByEmail('a@b.io')).toBeUndefined();
  });

  it('lists every bad configuration key and exits 2 without a stack trace', async () => {
    const res = await runCli(database, ['migrate'], { PORT: 'abc', LOG_LEVEL: 'loud' });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('PORT');
    expect(res.stderr).toContain('LOG_LEVEL');
    expect(res.stderr).not.toMatch(/^\s+at /m); // no stack frame, whether from src/ or dist/
  });

  it('exits 2 on an unknown command or a missing test name', async () => {
    expect((await runCli(database, ['frobnicate'])).code).toBe(2);
    const res = await runCli(database, ['test-sip-trunk']);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('--test-db-connections');
  });

  // SEED_DEMO=true in production fails the configuration itself (test/server/config.test.ts).
  it('refuses the demo data in production (seed, serve --seed-demo) without touching the database', async () => {
    const before = await services.db.selectFrom('users').select('email').execute();
    const production = { NODE_ENV: 'production', PORT: '0' };
    const [seed, serveSeed] = await Promise.all([
      runCli(database, ['seed'], production),
      runCli(database, ['serve', '--seed-demo'], production),
    ]);
    for (const res of [seed, serveSeed]) {
      expect(res.code).toBe(2);
      expect(res.stderr).toMatch(/demo data is refused when NODE_ENV=production/);
      expect(res.stdout).not.toMatch(/demo-admin|listening/);
    }
    expect(await services.db.selectFrom('users').select('email').execute()).toEqual(before);
  });

  it('lists every command in --help', async () => {
    const res = await runCli(database, ['--help']);
    expect(res.code).toBe(0);
    for (const command of [
      'serve',
      'migrate',
      'seed',
      'user',
      'test-sip-trunk',
      'sync',
      'backup',
      'demo-phone',
    ])
      expect(res.stdout).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
  });

  it('says how to build when the compiled CLI is missing', async () => {
    // The bin as shipped, in a checkout that has not been built.
    const checkout = fs.mkdtempSync(path.join(os.tmpdir(), 'dialer-unbuilt-'));
    try {
      fs.mkdirSync(path.join(checkout, 'bin'));
      fs.copyFileSync(DIALER_BIN, path.join(checkout, 'bin/dialer.js'));
      const res = await new Promise<CliResult>((resolve) =>
        execFile(
          process.execPath,
          [path.join(checkout, 'bin/dialer.js'), '--help'],
          (error, stdout, stderr) =>
            resolve({ code: typeof error?.code === 'number' ? error.code : 0, stdout, stderr }),
        ),
      );
      expect(res.code).toBe(2);
      expect(res.stderr).toContain('dialer has not been built');
      expect(res.stderr).toContain('npm run build');
    } finally {
      fs.rmSync(checkout, { recursive: true, force: true });
    }
  });

  it('reports a migrated database as up to date', async () => {
    const res = await runCli(database, ['migrate']);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('up to date');
  });
});
