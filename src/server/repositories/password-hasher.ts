import { hash, verify } from '@node-rs/argon2';

/** argon2id with the library's defaults (m=19 MiB, t=2, p=1: OWASP's minimum recommendation). */
export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(hashed: string, password: string): Promise<boolean>;
  /**
   * True when a stored hash is weaker than what `hash` makes today (another argon2 variant, older
   * version, lower costs): the login that proves the password stores a fresh hash.
   */
  needsRehash(hashed: string): boolean;
}

/** The PHC string `hash` writes today: argon2id, version 19, m=19456 KiB, t=2, p=1. */
const CURRENT = { algorithm: 'argon2id', version: 19, m: 19456, t: 2, p: 1 };

export function argon2NeedsRehash(hashed: string): boolean {
  const m = /^\$(argon2(?:id|i|d))\$v=(\d+)\$m=(\d+),t=(\d+),p=(\d+)\$/.exec(hashed);
  if (!m) return true;
  const [, algorithm, version, mem, time, par] = m;
  return (
    algorithm !== CURRENT.algorithm ||
    Number(version) < CURRENT.version ||
    Number(mem) < CURRENT.m ||
    Number(time) < CURRENT.t ||
    Number(par) < CURRENT.p
  );
}

export const argon2Hasher: PasswordHasher = {
  needsRehash: argon2NeedsRehash,
  hash: (password) => hash(password),
  verify: async (hashed, password) => {
    try {
      return await verify(hashed, password);
    } catch {
      return false;
    }
  },
};
