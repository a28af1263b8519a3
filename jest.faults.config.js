// The fault tier (`npm run test:faults`, run by .ci/run after `npm test`): two app instances
// under load while a store is killed, black-holed or an instance dies (test/faults). It kills
// servers, so it starts a stack of its own (test/faults/support/global-setup.ts: FAULTS_STACK_DIR,
// default .stack-faults, ports FAULTS_STACK_CASSANDRA_PORT / FAULTS_STACK_CASSANDRA_STORAGE_PORT /
// FAULTS_STACK_MONGO_PORT, default 19052 / 17050 / 27052); the cluster tests (test/faults/cluster)
// a three-node one, started by the first of them (test/faults/support/cluster-stack.ts:
// FAULTS_CLUSTER_STACK_*, default .stack-faults-cluster, 19082 / 17080 / 27082); its global
// teardown stops both. It writes its own summary (test-results/faults-summary.json), which
// test/support/ci-summary.js adds to `npm test`'s.
const tsJest = ['ts-jest', { tsconfig: '<rootDir>/tsconfig.jest.json' }];

/** @type {import('jest').Config} */
module.exports = {
  // the tests kill the servers they share: one file at a time
  maxWorkers: 1,
  reporters: [
    'default',
    ['<rootDir>/test/support/summary-reporter.js', { file: 'faults-summary.json' }],
  ],
  projects: [
    {
      displayName: 'faults',
      testEnvironment: 'node',
      rootDir: __dirname,
      roots: ['<rootDir>/test/faults'],
      testMatch: ['**/*.spec.ts'],
      transform: { '^.+\\.ts$': tsJest },
      globalSetup: '<rootDir>/test/faults/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/faults/support/global-teardown.ts',
      setupFilesAfterEnv: ['<rootDir>/test/support/integration-timeout.ts'],
    },
  ],
};
