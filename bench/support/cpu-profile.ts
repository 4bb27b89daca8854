/**
 * Preload for a CPU profile of a child process whose NODE_OPTIONS cannot carry --cpu-prof (Node refuses
 * it there): `NODE_OPTIONS="--import tsx --import ./bench/support/cpu-profile.ts" CPU_PROFILE_DIR=/tmp/prof`.
 * Profiles from start to SIGTERM/exit, or for CPU_PROFILE_SECONDS (for children that are SIGKILLed), and
 * writes CPU_PROFILE_DIR/<pid>.cpuprofile (Chrome DevTools format).
 */
import fs from 'node:fs';
import path from 'node:path';
import { Session } from 'node:inspector';

const dir = process.env.CPU_PROFILE_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.start');
  let written = false;
  const write = () => {
    if (written) return;
    written = true;
    session.post('Profiler.stop', (err, result) => {
      if (!err && dir) {
        fs.mkdirSync(dir, { recursive: true });
        fs.writeFileSync(path.join(dir, `${process.pid}.cpuprofile`), JSON.stringify(result.profile));
      }
    });
  };
  process.prependListener('SIGTERM', write);
  const seconds = Number(process.env.CPU_PROFILE_SECONDS ?? 0);
  if (seconds > 0) setTimeout(write, seconds * 1000).unref();
  process.on('exit', write);
}
