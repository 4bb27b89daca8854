/**
 * Installs Debian packages when some are missing: what the demo phone system needs (`dialer demo-phone`),
 * and what the tests need (test/lab/install-lab-deps.sh, with Chromium and HAProxy too). apt-get runs
 * only when something is missing, as root or through passwordless sudo, serialised with other installers
 * on this machine; otherwise the error names exactly what is missing and the command that installs it.
 */
import { spawn, spawnSync } from 'node:child_process';

/** What the demo phone system runs: Kamailio with SIP over WebSocket, rtpengine, SIPp (`sip-tester`). */
export const DEMO_PHONE_PACKAGES = [
  'kamailio',
  'kamailio-websocket-modules',
  'rtpengine-daemon',
  'sip-tester',
] as const;

/** apt's own lock fails at once when another apt runs; this one waits (the same file the tests use). */
const APT_LOCK = '/tmp/dialer-apt.lock';

export class PackagesMissingError extends Error {
  constructor(
    readonly missing: string[],
    why: string,
  ) {
    super(
      `${why}\nMissing Debian packages: ${missing.join(' ')}\n` +
        `Install them with: sudo apt-get install --no-install-recommends ${missing.join(' ')}`,
    );
  }
}

const installed = (pkg: string): boolean => {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() === 'install ok installed';
};

/** The packages of `packages` that are not installed (all of them when dpkg is not there). */
export function missingDebianPackages(packages: readonly string[]): string[] {
  return packages.filter((p) => !installed(p));
}

const hasCommand = (cmd: string): boolean => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

/** How to run a command as root here: [] when we are root, ['sudo', '-n'] with passwordless sudo, else null. */
function asRoot(): string[] | null {
  if (process.getuid?.() === 0) return [];
  if (hasCommand('sudo') && spawnSync('sudo', ['-n', 'true']).status === 0) return ['sudo', '-n'];
  return null;
}

function run(cmd: string[], log: (line: string) => void): Promise<number> {
  log(`+ ${cmd.join(' ')}`);
  return new Promise((resolve) => {
    const child = spawn(cmd[0]!, cmd.slice(1), { stdio: 'inherit' });
    child.once('error', () => resolve(127));
    child.once('exit', (code) => resolve(code ?? 1));
  });
}

/**
 * Makes sure `packages` are installed: nothing happens when they are; otherwise `apt-get update` and
 * `apt-get install` (no recommends), then the services the packages may have started are stopped (the
 * demo phone and the tests run their own processes). Throws PackagesMissingError when it cannot.
 */
export async function ensureDebianPackages(
  packages: readonly string[],
  log: (line: string) => void,
): Promise<{ installed: string[] }> {
  const missing = missingDebianPackages(packages);
  if (missing.length === 0) return { installed: [] };
  if (!hasCommand('apt-get') || !hasCommand('dpkg-query')) {
    throw new PackagesMissingError(missing, 'This is not a Debian or Ubuntu machine (no apt-get).');
  }
  const root = asRoot();
  if (!root) {
    throw new PackagesMissingError(
      missing,
      'Installing them needs root (or passwordless sudo), and this user has neither.',
    );
  }
  log(`Installing the missing Debian packages: ${missing.join(' ')}`);
  const apt = 'apt-get -o DPkg::Lock::Timeout=300';
  const code = await run(
    [
      ...root,
      'env',
      'DEBIAN_FRONTEND=noninteractive',
      'flock',
      '-w',
      '600',
      APT_LOCK,
      'sh',
      '-c',
      `${apt} update -qq && ${apt} install -y -qq --no-install-recommends "$@"`,
      'sh',
      ...missing,
    ],
    log,
  );
  const still = missingDebianPackages(missing);
  if (code !== 0 || still.length > 0) {
    throw new PackagesMissingError(still.length > 0 ? still : missing, `apt-get failed (exit code ${code}).`);
  }
  if (hasCommand('systemctl')) {
    for (const service of ['kamailio', 'rtpengine-daemon']) {
      if (spawnSync('systemctl', ['is-active', '--quiet', service]).status === 0) {
        await run([...root, 'systemctl', 'stop', service], log);
      }
    }
  }
  return { installed: missing };
}
