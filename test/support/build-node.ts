/**
 * Vitest global setup of the server tier: the tests that start the `dialer` command run the compiled CLI
 * (bin/dialer.js -> dist/node), as users and `npm start` do, so dist/node is rebuilt here when any of its
 * sources is newer than the build. A fresh build costs ~2 s; an up-to-date one is a stat of the sources.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'rolldown';
import { nodeBuild } from '../../rolldown.config.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const OUTPUT = path.join(ROOT, 'dist/node/cli.js');
const INPUTS = [
  'src/server',
  'src/shared',
  'src/cli',
  'src/demo-phone',
  'rolldown.config.ts',
  'package-lock.json',
];

/** Newest modification time under `p` (directories count too: a deleted file changes its directory). */
function newestMtime(p: string): number {
  const stat = fs.statSync(p);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of fs.readdirSync(p)) newest = Math.max(newest, newestMtime(path.join(p, entry)));
  return newest;
}

export function nodeBuildIsStale(): boolean {
  if (!fs.existsSync(OUTPUT)) return true;
  const built = fs.statSync(OUTPUT).mtimeMs;
  return INPUTS.some((input) => newestMtime(path.join(ROOT, input)) > built);
}

/** Rebuilds dist/node when stale (vitest calls this once per run; `npm run bench` too). */
export default async function buildNodeIfStale(): Promise<void> {
  if (!nodeBuildIsStale()) return;
  process.stderr.write(
    'building dist/node for the tests that run the compiled `dialer` (npm run build:node)\n',
  );
  await build({ ...nodeBuild, cwd: ROOT, logLevel: 'warn' });
}
