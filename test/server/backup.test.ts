/**
 * `dialer backup` and the restore the README documents, as an operator does them: the compiled server
 * runs on SQLite and keeps writing (users created through the API, one after another) while the compiled
 * CLI copies the database; the copy is restored into a fresh data directory by the README's steps and
 * served again: every write acknowledged before the backup started is there, logins work, SIP passwords
 * decrypt with the kept key (and not without it). PostgreSQL is refused with a pointer to pg_dump.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { DEMO_USERS } from '../../src/server/seed/demo-seed.js';
import { exited, runDialer, startServe, type ServeProcess } from '../support/cli.js';

const tempDirs: string[] = [];
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dialer-backup-'));
  tempDirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});

function envFor(dataDir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, DATA_DIR: dataDir, LOG_LEVEL: 'warn', ...extra };
}

async function login(
  url: string,
  email: string,
  password: string,
): Promise<{ cookie: string; csrf: string }> {
  const res = await fetch(`${url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  expect(res.status, `login as ${email}`).toBe(200);
  const body = (await res.json()) as { csrfToken: string };
  return { cookie: res.headers.get('set-cookie')!.split(';')[0]!, csrf: body.csrfToken };
}

const writerEmail = (i: number): string => `writer${String(i).padStart(4, '0')}@example.com`;
const WRITER_PASSWORD = 'writer-pass-123';

/** Creates users writer0000, writer0001, ... one after another until stopped; `acked` counts the 201s. */
function startWriting(url: string, session: { cookie: string; csrf: string }) {
  const state = { acked: 0, stop: false, error: undefined as unknown };
  const done = (async () => {
    while (!state.stop) {
      const res = await fetch(`${url}/api/admin/users`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie: session.cookie, 'x-csrf-token': session.csrf },
        body: JSON.stringify({ email: writerEmail(state.acked), name: 'Writer', password: WRITER_PASSWORD }),
      });
      if (res.status !== 201) throw new Error(`create user: ${res.status} ${await res.text()}`);
      state.acked++;
    }
  })().catch((err: unknown) => (state.error = err));
  return { state, done };
}

async function until(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('dialer backup on SQLite, while the server writes, and the restore', () => {
  let server: ServeProcess | undefined;
  afterAll(async () => {
    await server?.kill();
  });

  it('copies a consistent database that restores with every acknowledged write', async () => {
    const dataDir = tempDir();
    server = await startServe(['--seed-demo'], envFor(dataDir));
    await server.waitForLine(/log in with one of the demo accounts/);
    const admin = await login(server.url, DEMO_USERS.admin.email, DEMO_USERS.admin.password);
    const writer = startWriting(server.url, admin);
    await until(() => writer.state.acked >= 3 || writer.state.error !== undefined, 'the first writes');

    const ackedBefore = writer.state.acked;
    const out = path.join(tempDir(), 'nightly', 'dialer.sqlite');
    const backup = await runDialer(['backup', '--out', out], envFor(dataDir));
    const ackedAfter = writer.state.acked;
    await until(
      () => writer.state.acked >= ackedAfter + 2 || writer.state.error !== undefined,
      'writes after',
    );
    writer.state.stop = true;
    await writer.done;
    expect(writer.state.error).toBeUndefined();

    expect(backup.stderr).toBe('');
    expect(backup.code).toBe(0);
    expect(backup.stdout).toContain(`to ${out} (`);
    expect(backup.stdout).toMatch(/schema 0\d{3}_\w+/);
    expect(backup.stdout).toContain('keep that key safe');
    expect(fs.statSync(out).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(path.dirname(out))).toEqual(['dialer.sqlite']); // no .partial left behind

    process.kill(server.pid, 'SIGTERM');
    expect((await exited(server.child)).code).toBe(0);

    // The README's restore: the server is stopped; put the copy in place as dialer.sqlite, with the key.
    const restoredDir = tempDir();
    fs.copyFileSync(out, path.join(restoredDir, 'dialer.sqlite'));
    fs.copyFileSync(path.join(dataDir, 'secret.key'), path.join(restoredDir, 'secret.key'));

    const copy = new SQLite(path.join(restoredDir, 'dialer.sqlite'), { readonly: true });
    const writers = (
      copy.prepare("SELECT email FROM users WHERE email LIKE 'writer%' ORDER BY email").all() as {
        email: string;
      }[]
    ).map((r) => r.email);
    copy.close();
    // One snapshot: a prefix of the sequential writes, with at least every write acknowledged before the
    // backup started and none started after it ended (the one in flight at the end may be either side).
    expect(writers).toEqual(Array.from({ length: writers.length }, (_, i) => writerEmail(i)));
    expect(writers.length).toBeGreaterThanOrEqual(ackedBefore);
    expect(writers.length).toBeLessThanOrEqual(ackedAfter + 1);

    server = await startServe([], envFor(restoredDir));
    await login(server.url, DEMO_USERS.admin.email, DEMO_USERS.admin.password);
    await login(server.url, writerEmail(ackedBefore - 1), WRITER_PASSWORD);
    process.kill(server.pid, 'SIGTERM');
    expect((await exited(server.child)).code).toBe(0);

    // SIP passwords decrypt with the kept key, and only with it.
    const diagnose = ['test-sip-trunk', '--test-db-connections', '--user', DEMO_USERS.agent1.email];
    const withKey = await runDialer(diagnose, envFor(restoredDir));
    expect(withKey.stdout).toContain('London Legacy SIP');
    expect(withKey.stdout).not.toContain('cannot be decrypted');
    fs.rmSync(path.join(restoredDir, 'secret.key'));
    const withoutKey = await runDialer(diagnose, envFor(restoredDir));
    expect(withoutKey.stdout).toContain('cannot be decrypted');
  }, 90_000);
});

describe('dialer backup refuses clearly', () => {
  it('points PostgreSQL at pg_dump, without printing the password', async () => {
    const res = await runDialer(
      ['backup'],
      envFor(tempDir(), { DATABASE_URL: 'postgres://dialer:s3cret-pw@db.internal:5432/dialer' }),
    );
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('PostgreSQL db.internal:5432/dialer');
    expect(res.stderr).toContain('pg_dump');
    expect(res.stderr).not.toContain('s3cret-pw');
  });

  it('never overwrites a file, and says when there is no database', async () => {
    const dataDir = tempDir();
    const missing = await runDialer(['backup'], envFor(dataDir));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`There is no database at ${path.join(dataDir, 'dialer.sqlite')}`);

    expect((await runDialer(['migrate'], envFor(dataDir))).code).toBe(0);
    const existing = path.join(dataDir, 'keep-me.sqlite');
    fs.writeFileSync(existing, 'precious');
    const refused = await runDialer(['backup', '--out', existing], envFor(dataDir));
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('already exists');
    expect(fs.readFileSync(existing, 'utf8')).toBe('precious');

    const byDefault = await runDialer(['backup'], envFor(dataDir));
    expect(byDefault.code).toBe(0);
    const [file] = fs.readdirSync(path.join(dataDir, 'backups'));
    expect(file).toMatch(/^dialer-\d{8}T\d{6}Z\.sqlite$/);
  });
});
