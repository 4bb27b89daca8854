/**
 * The data directory holds password hashes, encrypted SIP passwords and the key that decrypts them, so
 * only the account that runs Dialer may read it: the directory is 0700, the SQLite database (with its
 * -wal and -shm files) and the key file 0600. Applied when they are created and again on every start,
 * which also repairs files an older version (or a copy) left readable. A directory that is not ours,
 * or a shared sticky one such as /tmp, is left alone.
 */
import fs from 'node:fs';

/** Removes from `file`'s permissions whatever `mode` does not allow. */
function restrictTo(file: string, mode: number): void {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    return; // not there (yet)
  }
  const current = stat.mode & 0o777;
  if ((current & ~mode) === 0) return;
  if (stat.isDirectory() && (stat.mode & 0o1000) !== 0) return; // sticky: a shared directory
  if (typeof process.getuid === 'function' && stat.uid !== process.getuid()) return; // not ours to change
  fs.chmodSync(file, current & mode);
}

/** Creates `dir` (and missing parents) readable by the owner only, or tightens it if it exists. */
export function ensurePrivateDir(dir: string): void {
  createPrivateDir(dir);
  restrictTo(dir, 0o700);
}

/** Creates `dir` (and missing parents) readable by the owner only; an existing one is left as it is. */
export function createPrivateDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
}

/** Tightens `dir` to 0700 if it exists (and is ours, and not a shared sticky directory). */
export function restrictExistingDir(dir: string): void {
  restrictTo(dir, 0o700);
}

/** Creates `file` empty with mode 0600 if missing, or tightens it to 0600. */
export function ensurePrivateFile(file: string): void {
  fs.closeSync(fs.openSync(file, 'a', 0o600));
  restrictTo(file, 0o600);
}

/** Tightens `file` to 0600 if it exists. */
export function restrictFile(file: string): void {
  restrictTo(file, 0o600);
}
