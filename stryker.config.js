// @ts-check
/**
 * Mutation testing (`npm run test:mutation`; not part of `npm test` or CI): StrykerJS changes the code of
 * the files below one small mutation at a time and runs the fast tests of vitest.mutation.config.ts
 * against each; a mutant no test notices is a behaviour no test pins down. Scores and the survivors we
 * keep are in bench/results/mutation.md.
 *
 * The machine is shared: two test processes at most, and the npm script runs Stryker with `nice`.
 * One group at a time: `npm run test:mutation -- --mutate src/phone/call-state.ts`.
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts', related: false },
  plugins: ['@stryker-mutator/vitest-runner'],
  mutate: ['src/phone/call-state.ts', 'src/server/services/**/*.ts'],
  coverageAnalysis: 'perTest',
  concurrency: 2,
  timeoutMS: 10_000,
  reporters: ['clear-text', 'progress', 'json'],
  jsonReporter: { fileName: 'test-results/mutation/mutation.json' },
  tempDirName: 'test-results/stryker-tmp',
  cleanTempDir: 'always',
  ignorePatterns: ['dist', 'data', 'test-results', 'coverage', 'bench/results', 'deploy'],
  thresholds: { high: 90, low: 80, break: null },
};
