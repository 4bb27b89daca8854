/**
 * The CLI's manners (issue 15), as a user meets them through the compiled bin: `--json` answers JSON on
 * success and on error (one document on stdout, nothing on stderr, the exit code still says which);
 * an empty list says it is empty; `serve --seed-demo` (what `npm start` runs) prints readable lines on a
 * terminal, not JSON.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEnv, exited, runDialer, startServe } from '../support/cli.js';
import { DATABASE_KINDS, createTestDatabase, type TestDatabase } from '../support/databases.js';

interface JsonError {
  error: { code: string; message: string };
}

describe.each(DATABASE_KINDS)('dialer CLI manners (%s)', (kind) => {
  let database: TestDatabase;
  const run = (args: string[], env: Record<string, string> = {}) => runDialer(args, cliEnv(database, env));

  beforeAll(async () => {
    database = await createTestDatabase(kind);
  });
  afterAll(async () => {
    await database.drop();
  });

  it('sync runs says there are none, and --json gives an empty list', async () => {
    const text = await run(['sync', 'runs']);
    expect(text).toMatchObject({ code: 0, stderr: '' });
    expect(text.stdout).toBe('No sync runs yet. Start one with `dialer sync telnyx`.\n');
    const json = await run(['sync', 'runs', '--json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual([]);
  });

  it('sync telnyx --json answers a failure as one JSON document, exit code 1', async () => {
    const res = await run(['sync', 'telnyx', '--json', '--no-progress']);
    expect(res.code).toBe(1);
    expect(res.stderr).toBe('');
    const body = JSON.parse(res.stdout) as JsonError;
    expect(body.error.code).toBe('TELNYX_NOT_CONFIGURED');
    // The CLI is the operator's tool: it names the setting to fix.
    expect(body.error.message).toContain('TELNYX_API_KEY');
    // Without --json the same failure stays a line of text on stderr.
    const text = await run(['sync', 'telnyx', '--no-progress']);
    expect(text.code).toBe(1);
    expect(text.stdout).toBe('');
    expect(text.stderr).toMatch(/^error: Telnyx API is not configured/);
  });

  it('--json answers usage mistakes as JSON too, exit code 2', async () => {
    const unknownOption = await run(['sync', 'drift', '--json', '--bogus']);
    expect(unknownOption.code).toBe(2);
    expect(unknownOption.stderr).toBe('');
    expect(JSON.parse(unknownOption.stdout)).toEqual({
      error: { code: 'USAGE', message: "unknown option '--bogus'" },
    });
    const badLimit = await run(['sync', 'runs', '--json', '--limit', 'many']);
    expect(badLimit.code).toBe(2);
    expect((JSON.parse(badLimit.stdout) as JsonError).error).toEqual({
      code: 'USAGE',
      message: '--limit must be a positive whole number',
    });
    const badConfig = await run(['health', 'check', '--json'], { PORT: 'not-a-port' });
    expect(badConfig.code).toBe(2);
    expect(badConfig.stderr).toBe('');
    expect((JSON.parse(badConfig.stdout) as JsonError).error.code).toBe('CONFIG_INVALID');
  });
});

describe('npm start on a terminal', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  it('serve --seed-demo prints readable log lines, not raw JSON, also while pages load', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dialer-start-'));
    const webDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dialer-start-web-'));
    dirs.push(dataDir, webDir);
    fs.writeFileSync(path.join(webDir, 'index.html'), '<!doctype html><title>Dialer</title>');
    const serve = await startServe(
      ['--seed-demo'],
      {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        DATA_DIR: dataDir,
        WEB_DIST_DIR: webDir,
        LOG_LEVEL: 'info',
        HEALTH_CHECK_INTERVAL_SECONDS: '0',
      },
      { terminal: true },
    );
    try {
      await serve.waitForLine(/Server listening at/);
      // The demo data is written after the server listens; then it says where to log in.
      await serve.waitForLine(/^Open http/, 60_000);
      for (const p of ['/', '/api/health', '/api/connections']) await fetch(`${serve.url}${p}`);
      process.kill(serve.pid, 'SIGTERM');
      await serve.waitForLine(/shut down cleanly$/);
      expect((await exited(serve.child)).code, serve.lines.join('\n')).toBe(0);
      expect(serve.lines.some((l) => l.includes('agent1@dialer.local'))).toBe(true);
      expect(serve.lines.filter((l) => l.trimStart().startsWith('{'))).toEqual([]);
      // One short line per request and per answer, not a dozen lines of request fields each.
      const api = serve.lines.filter((l) => l.includes('/api/health'));
      expect(api).toEqual([expect.stringMatching(/INFO: GET \/api\/health \(req-\d+\)$/)]);
      expect(serve.lines.some((l) => /INFO: 200 in \d+ ms \(req-\d+\)$/.test(l))).toBe(true);
      expect(serve.lines.some((l) => /^\s+(reqId|req|res):/.test(l))).toBe(false);
    } finally {
      await serve.kill();
    }
  });
});
