/**
 * The key that encrypts SIP passwords at rest: CREDENTIALS_KEY in either documented format is accepted,
 * anything else stops the start with a message naming the key (never a stack trace), and without it a
 * key is generated once into DATA_DIR/secret.key and reused, so stored passwords survive a restart.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/server/config.js';
import { createCredentialCipher, loadOrCreateKey } from '../../src/server/repositories/credential-cipher.js';
import { runDialer } from '../support/cli.js';

const KEY = crypto.randomBytes(32);
const base = { NODE_ENV: 'test', DATA_DIR: '/nonexistent-dialer-test', LOG_LEVEL: 'silent' };

function configProblems(key: string): string[] {
  try {
    loadConfig({ ...base, CREDENTIALS_KEY: key });
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
}

describe('CREDENTIALS_KEY', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });
  const tempDir = () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'dialer-key-'));
    dirs.push(d);
    return d;
  };

  it('accepts 32 bytes as 64 hex characters or as base64, and both decrypt the same passwords', () => {
    for (const written of [KEY.toString('hex'), KEY.toString('hex').toUpperCase(), KEY.toString('base64')]) {
      expect(configProblems(written)).toEqual([]);
      expect(loadOrCreateKey(written, tempDir()).equals(KEY)).toBe(true);
    }
    const sealed = createCredentialCipher(loadOrCreateKey(KEY.toString('hex'), tempDir())).encrypt(
      'sip-secret',
    );
    expect(createCredentialCipher(loadOrCreateKey(KEY.toString('base64'), tempDir())).decrypt(sealed)).toBe(
      'sip-secret',
    );
  });

  it('refuses every other format at start-up, naming the key and the formats', () => {
    const bad = [
      'not-a-key',
      KEY.toString('hex').slice(0, 63), // one hex digit short
      `${KEY.toString('hex').slice(0, 63)}g`, // not hex, and not 32 bytes of base64 either
      crypto.randomBytes(16).toString('base64'), // AES-128-sized
      crypto.randomBytes(48).toString('base64'),
      `${KEY.toString('base64').slice(0, 40)}!!!=`,
    ];
    for (const key of bad) {
      const problems = configProblems(key);
      expect(problems, key).toHaveLength(1);
      expect(problems[0]).toMatch(
        /^CREDENTIALS_KEY: must be 32 bytes, written as 64 hex characters or base64/,
      );
      expect(problems[0]).not.toContain(key); // the bad value may be a real secret with a typo
    }
  });

  it('stops `dialer migrate` with that message and exit code 2 (bad configuration), no stack trace', async () => {
    const dataDir = tempDir();
    const r = await runDialer(['migrate'], {
      PATH: process.env.PATH,
      NODE_ENV: 'test',
      DATA_DIR: dataDir,
      DATABASE_URL: `sqlite:${path.join(dataDir, 'd.sqlite')}`,
      CREDENTIALS_KEY: 'too-short',
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /The configuration is invalid; fix these environment variables:\n\s+CREDENTIALS_KEY: must be 32 bytes/,
    );
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(fs.existsSync(path.join(dataDir, 'd.sqlite'))).toBe(false);
  });

  it('generates a key into DATA_DIR/secret.key once (0600) and reuses it, so passwords survive a restart', () => {
    const dataDir = path.join(tempDir(), 'data');
    const first = loadOrCreateKey(undefined, dataDir);
    const file = path.join(dataDir, 'secret.key');
    expect(first).toHaveLength(32);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64').equals(first)).toBe(true);
    const sealed = createCredentialCipher(first).encrypt('sip-secret');

    const again = loadOrCreateKey(undefined, dataDir);
    expect(again.equals(first)).toBe(true);
    expect(createCredentialCipher(again).decrypt(sealed)).toBe('sip-secret');
    // Another data directory gets its own key, which cannot read the first one's passwords.
    const other = loadOrCreateKey(undefined, path.join(tempDir(), 'data'));
    expect(other.equals(first)).toBe(false);
    expect(() => createCredentialCipher(other).decrypt(sealed)).toThrow();
  });

  it('refuses a damaged secret.key with the same plain message', () => {
    const dataDir = tempDir();
    fs.writeFileSync(path.join(dataDir, 'secret.key'), 'damaged\n', { mode: 0o600 });
    expect(() => loadOrCreateKey(undefined, dataDir)).toThrow(
      /secret\.key.*must be 32 bytes, written as 64 hex characters or base64/,
    );
  });
});
