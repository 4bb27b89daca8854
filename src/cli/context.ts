/**
 * What every command that touches the database needs: the validated configuration, a migrated database
 * and the same services the HTTP server uses. Commands open it, do their work and close it.
 */
import { loadConfig, type Config } from '../server/config.js';
import type { Services } from '../server/container.js';

export interface CliContext {
  config: Config;
  services: Services;
  /** Migrations applied while opening (empty when the database was already up to date). */
  applied: string[];
  close(): Promise<void>;
}

export async function openContext(options: { config?: Config; migrate?: boolean } = {}): Promise<CliContext> {
  const config = options.config ?? loadConfig();
  // Loaded on demand so `--help` and input mistakes answer at once, without loading the whole server.
  const [{ migrateToLatest, openDatabase }, { createServices }] = await Promise.all([
    import('../server/db/database.js'),
    import('../server/container.js'),
  ]);
  const database = openDatabase(config.database);
  try {
    const applied = options.migrate === false ? [] : await migrateToLatest(database.db);
    const services = createServices({ config, db: database.db, databaseKind: database.kind });
    return {
      config,
      services,
      applied,
      async close() {
        await database.close();
      },
    };
  } catch (err) {
    await database.close();
    throw err;
  }
}

/** Runs `fn` with an open context and always closes it. */
export async function withContext<T>(
  fn: (ctx: CliContext) => Promise<T>,
  options?: { config?: Config },
): Promise<T> {
  const ctx = await openContext(options);
  try {
    return await fn(ctx);
  } finally {
    await ctx.close();
  }
}

/** Where the database is, for messages (never the PostgreSQL password). */
export function describeDatabase(config: Config): string {
  if (config.database.kind === 'sqlite') return `SQLite ${config.database.file}`;
  const url = new URL(config.database.url);
  url.password = '';
  return `PostgreSQL ${url.host}${url.pathname}`;
}
