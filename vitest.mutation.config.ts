import { defineConfig } from 'vitest/config';

/**
 * The tests StrykerJS runs against each mutant (`npm run test:mutation`, stryker.config.mjs): only the
 * fast, database-free ones that exercise the mutated files (the call-state machine, the connection mapper
 * and the services on in-memory repositories). Stryker runs them once per mutant, so a test that starts a
 * server or a database here would multiply the run by thousands.
 */
export default defineConfig({
  test: {
    include: [
      'test/phone/call-state.test.ts',
      'test/phone/fake-softphone.test.ts',
      'test/server/unit/**/*.unit.test.ts',
    ],
    // The scheduler test waits on real timers; it exercises no mutated file.
    exclude: ['test/server/unit/scheduler.unit.test.ts', '**/node_modules/**'],
    environment: 'node',
    testTimeout: 10_000,
  },
});
