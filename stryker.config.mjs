// StrykerJS: does the unit suite notice a wrong line? `npm run test:mutation` (scripts/test-mutation,
// on Node >= 22) runs it; not part of npm test (it takes minutes). Stryker changes one thing at a time
// in the files below (a mutant) and runs the unit tests that cover it: a mutant no test notices
// "survives". Reports: reports/mutation/ (HTML and JSON); the score per file is printed at the end.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  // Only the unit project: the e2e project's global setup starts the local cluster.
  vitest: { configFile: 'vitest.unit.config.ts' },
  mutate: [
    'src/plan/**/*.ts',
    'src/render/**/*.ts',
    'src/target/**/*.ts',
    'src/complete/**/*.ts',
    'src/kube/redact.ts',
    'src/kube/request-log.ts',
    'src/kube/config.ts',
    'src/apply/hold.ts',
    'src/session/renewer.ts',
  ],
  coverageAnalysis: 'perTest',
  // The machine is small and shared; raise it with --concurrency where there are cores to spare.
  concurrency: 1,
  reporters: ['html', 'json', 'clear-text', 'progress'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  // The table of scores per file, not every surviving mutant (those are in the HTML report).
  clearTextReporter: { reportMutants: false, reportTests: false, reportScoreTable: true },
  tempDirName: 'reports/.stryker-tmp',
  cleanTempDir: 'always',
};
