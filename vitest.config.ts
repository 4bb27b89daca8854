import { defineConfig } from 'vitest/config';

/**
 * Two projects: `server` (unit, repository and API tests; each database test runs against SQLite and
 * PostgreSQL) and `browser` (real Chromium, real server, real SIP peers). They run one after the other
 * in `npm test`; the machine has two cores, so browser files run one at a time.
 */
export default defineConfig({
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'server',
          // Tests that start `dialer` run the compiled CLI; this rebuilds dist/node when it is stale.
          globalSetup: ['test/support/build-node.ts'],
          include: [
            'test/server/**/*.test.ts',
            'test/phone/**/*.test.ts',
            'test/web/**/*.test.ts',
            'test/lab/**/*.test.ts',
          ],
          exclude: ['**/*.browser.test.ts', '**/node_modules/**'],
          environment: 'node',
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'browser',
          include: ['test/e2e/**/*.test.ts', 'test/**/*.browser.test.ts'],
          environment: 'node',
          testTimeout: 90_000,
          hookTimeout: 120_000,
          fileParallelism: false,
          // How long expect.poll waits for the page to reach a state (vitest's 1 s default is shorter than
          // one API round trip plus a render on a busy 2-core machine; Playwright's own default is 5 s).
          // A bound on waiting, not a speed target: each poll still needs its state to appear.
          expect: { poll: { timeout: 10_000 } },
        },
      },
    ],
  },
});
