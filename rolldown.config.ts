import { defineConfig, type BuildOptions } from 'rolldown';

/**
 * Builds the server and the `dialer` CLI into dist/node (Vite builds the web app into dist/web; both use
 * Rolldown). One entry, src/cli/index.ts: `dialer serve` is the server. Every `await import()` in the
 * source stays a separate chunk, so a command loads only what it uses (`dialer --help` never loads Kysely,
 * Fastify or the Telnyx SDK).
 *
 * Dependencies are bundled: hundreds of small ESM files (Kysely alone is ~1,000) cost Node 20 more to
 * resolve and load than the whole command takes, and one copy of each library keeps `instanceof` checks
 * (zod, Fastify's errors) true across modules. Kept external, loaded from node_modules at run time:
 * native addons, and pino (its transports and pino-pretty are resolved by module name at run time).
 */
export const nodeBuild: BuildOptions = {
  input: { cli: 'src/cli/index.ts' },
  platform: 'node',
  // Syntax newer than Node 20 (in our code or a dependency's) is lowered; `engines` promises 20.19+.
  transform: { target: 'node20.19' },
  external: [/^node:/, /^better-sqlite3(\/|$)/, /^@node-rs\/argon2(\/|$)/, /^pino(-pretty)?(\/|$)/],
  output: {
    dir: 'dist/node',
    format: 'esm',
    sourcemap: true,
    entryFileNames: '[name].js',
    chunkFileNames: 'chunks/[name]-[hash].js',
    cleanDir: true,
  },
};

export default defineConfig(nodeBuild);
