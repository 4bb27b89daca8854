/**
 * AES-256-GCM encryption of SIP passwords at rest. Envelope: `v1:<iv b64>:<tag b64>:<ciphertext b64>`,
 * so the format can change later without guessing. The key comes from CREDENTIALS_KEY or, for the
 * embedded default, is generated once into DATA_DIR/secret.key (mode 0600).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ensurePrivateDir, restrictFile } from '../private-files.js';

export interface CredentialCipher {
  encrypt(plain: string): string;
  decrypt(envelope: string): string;
}

/** What a key must look like, in the words every refusal uses (never quoting the value: it may be a secret). */
export const CREDENTIALS_KEY_FORMAT =
  'must be 32 bytes, written as 64 hex characters or base64 (e.g. the output of `openssl rand -base64 32`)';

/** The key's 32 bytes, or null when the text is neither 64 hex characters nor base64 of exactly 32 bytes. */
export function parseCredentialsKey(text: string): Buffer | null {
  const trimmed = text.trim();
  if (/^[0-9a-f]{64}$/i.test(trimmed)) return Buffer.from(trimmed, 'hex');
  // Strict base64 (Buffer.from would skip stray characters and accept a mistyped key).
  if (!/^[A-Za-z0-9+/]{43}=?$/.test(trimmed)) return null;
  const key = Buffer.from(trimmed, 'base64');
  return key.length === 32 ? key : null;
}

function parseKey(text: string, source: string): Buffer {
  const key = parseCredentialsKey(text);
  if (!key) throw new Error(`${source} ${CREDENTIALS_KEY_FORMAT}`);
  return key;
}

export function loadOrCreateKey(configured: string | undefined, dataDir: string): Buffer {
  if (configured) return parseKey(configured, 'CREDENTIALS_KEY');
  const file = path.join(dataDir, 'secret.key');
  ensurePrivateDir(dataDir);
  if (fs.existsSync(file)) {
    restrictFile(file); // one copied in with a looser mode is repaired on start
    return parseKey(fs.readFileSync(file, 'utf8'), `The credentials key in ${file}`);
  }
  const key = crypto.randomBytes(32);
  // 'wx' fails if another process created it first; then read theirs so both agree.
  try {
    fs.writeFileSync(file, key.toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
    return key;
  } catch {
    return parseKey(fs.readFileSync(file, 'utf8'), `The credentials key in ${file}`);
  }
}

export function createCredentialCipher(key: Buffer): CredentialCipher {
  return {
    encrypt(plain) {
      const iv = crypto.randomBytes(12);
      const cipher = crypto.createCipheriv('aes-256-gcm', key, iv);
      const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return [
        'v1',
        iv.toString('base64'),
        cipher.getAuthTag().toString('base64'),
        data.toString('base64'),
      ].join(':');
    },
    decrypt(envelope) {
      const [version, iv, tag, data] = envelope.split(':');
      if (version !== 'v1' || !iv || !tag || data === undefined)
        throw new Error('Unknown credential envelope');
      const decipher = crypto.createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'));
      decipher.setAuthTag(Buffer.from(tag, 'base64'));
      return Buffer.concat([decipher.update(Buffer.from(data, 'base64')), decipher.final()]).toString('utf8');
    },
  };
}
