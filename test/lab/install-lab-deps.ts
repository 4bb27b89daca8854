/**
 * Installs the Debian packages the tests need when something is missing (the demo phone system's, plus
 * Chromium for the browser tests and HAProxy for the cluster test), with the demo phone's installer.
 *   bash test/lab/install-lab-deps.sh            # install what is missing
 *   bash test/lab/install-lab-deps.sh --check    # only report, exit 1 if something is missing
 */
import {
  DEMO_PHONE_PACKAGES,
  ensureDebianPackages,
  missingDebianPackages,
  PackagesMissingError,
} from '../../src/demo-phone/debian-packages.js';

const PACKAGES = [...DEMO_PHONE_PACKAGES, 'kamailio-extra-modules', 'chromium', 'haproxy'];
const log = (line: string): void => console.log(`install-lab-deps: ${line}`);

const missing = missingDebianPackages(PACKAGES);
if (missing.length === 0) {
  log(`all present (${PACKAGES.join(' ')})`);
} else if (process.argv.includes('--check')) {
  log(`missing: ${missing.join(' ')}`);
  process.exitCode = 1;
} else {
  try {
    const { installed } = await ensureDebianPackages(PACKAGES, log);
    log(`installed: ${installed.join(' ')}`);
  } catch (err) {
    console.error(
      `install-lab-deps: ERROR: ${err instanceof PackagesMissingError ? err.message : String(err)}`,
    );
    process.exitCode = 2;
  }
}
