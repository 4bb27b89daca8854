/**
 * `dialer backup [--out FILE]`: a consistent copy of the embedded SQLite database, taken with SQLite's
 * online backup API while the server keeps running (in WAL mode readers never block its writers). The copy
 * is written next to its final name, checked (`PRAGMA quick_check`), made private (0600: it holds password
 * hashes and encrypted SIP passwords) and only then renamed into place, so FILE is complete or absent.
 * PostgreSQL is refused with a pointer to pg_dump. The restore is documented in the README.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../../server/config.js';
import { describeDatabase } from '../context.js';
import { CommandFailed, UsageError } from '../errors.js';
import type { Output } from '../output.js';

/** dialer-20261201T121500Z.sqlite: sorts by time, no characters a shell or Windows share dislikes. */
export function defaultBackupName(now = new Date()): string {
  return `dialer-${now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')}.sqlite`;
}

function megabytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

export function registerBackupCommand(program: Command, output: Output): void {
  program
    .command('backup')
    .description('Copy the SQLite database while the server runs (PostgreSQL: use pg_dump)')
    .option('--out <file>', 'where to write the copy (default: $DATA_DIR/backups/dialer-<UTC time>.sqlite)')
    .action(async (opts: { out?: string }) => {
      const config = loadConfig();
      if (config.database.kind === 'postgres') {
        throw new UsageError(
          `dialer backup copies the embedded SQLite database; this one is ${describeDatabase(config)}.\n` +
            'Back it up with PostgreSQL\'s own tools, e.g. pg_dump --format=custom --file=dialer.dump "$DATABASE_URL"\n' +
            '(restore: pg_restore --clean --if-exists --dbname "$DATABASE_URL" dialer.dump). See the README.',
        );
      }
      const source = config.database.file;
      if (source === ':memory:') throw new UsageError('An in-memory database cannot be backed up.');
      if (!fs.existsSync(source)) {
        throw new CommandFailed(
          `There is no database at ${source}: nothing to back up (is DATA_DIR or DATABASE_URL right?)`,
        );
      }
      const target = path.resolve(opts.out ?? path.join(config.dataDir, 'backups', defaultBackupName()));
      if (fs.existsSync(target)) {
        throw new UsageError(
          `${target} already exists; a backup never overwrites a file. Choose another --out.`,
        );
      }
      fs.mkdirSync(path.dirname(target), { recursive: true, mode: 0o700 });

      const { default: SQLite } = await import('better-sqlite3');
      const partial = `${target}.partial`;
      const started = performance.now();
      const db = new SQLite(source, { fileMustExist: true });
      let schema: string | undefined;
      try {
        db.pragma('busy_timeout = 5000');
        // After the first step, copy everything that remains in one step: one read transaction, one
        // snapshot, however busy the server is (a write between steps would restart the copy).
        await db.backup(partial, { progress: () => 0x7fffffff });
        const copy = new SQLite(partial, { fileMustExist: true });
        try {
          const check = copy.pragma('quick_check', { simple: true });
          if (check !== 'ok')
            throw new CommandFailed(`The copy failed its integrity check (${String(check)}).`);
          schema = (
            copy.prepare('SELECT name FROM kysely_migration ORDER BY name DESC LIMIT 1').get() as
              { name: string } | undefined
          )?.name;
        } finally {
          copy.close();
        }
        fs.chmodSync(partial, 0o600);
        fs.renameSync(partial, target);
      } catch (err) {
        fs.rmSync(partial, { force: true });
        throw err;
      } finally {
        db.close();
      }
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      output.out(
        `Backed up ${describeDatabase(config)} to ${target} (${megabytes(fs.statSync(target).size)}, ` +
          `schema ${schema ?? 'not migrated'}) in ${seconds} s`,
      );
      output.out(
        'Its SIP passwords are encrypted with the credentials key (CREDENTIALS_KEY, or secret.key in DATA_DIR):',
      );
      output.out('keep that key safe as well; a restore without it cannot decrypt them.');
    });
}
