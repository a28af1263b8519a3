// Five tiers (each with a minimum test count in test/tiers.json, checked by .ci/run). `unit` needs
// nothing running. `controller` (test/controller) boots the real HTTP app on in-memory stores
// (overrideProvider): every route's pages, validation and errors in seconds, no database. `packaging` (test/packaging) checks the Docker setup without a Docker engine:
// it needs the docker client and builds the Compose plugin with Go when the client has none.
// `integration` (test/integration, test/e2e) talks to the real Cassandra and FerretDB of the local
// stack: test/support/global-setup.ts starts a separate test stack (own ports, own data folder)
// unless TEST_MONGO_URL / TEST_CASSANDRA_CONTACT_POINTS point at servers that already run.
// `browser` (test/browser) drives Debian's Chromium (installed with apt by its global setup,
// scripts/ensure-chromium.js) through playwright-core against the app on those same servers.
// transpile only (tsconfig.jest.json): `npm run lint` type-checks everything once
const tsJest = ['ts-jest', { tsconfig: '<rootDir>/tsconfig.jest.json' }];

/** @type {import('jest').Config} */
module.exports = {
  // Integration suites share one Cassandra and one FerretDB, and some of them stop a server on
  // purpose; on this 2-core machine they run one file at a time.
  maxWorkers: 1,
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      rootDir: __dirname,
      roots: ['<rootDir>/src', '<rootDir>/scripts', '<rootDir>/test/unit'],
      testMatch: ['**/*.spec.ts'],
      transform: { '^.+\\.ts$': tsJest },
    },
    {
      displayName: 'controller',
      testEnvironment: 'node',
      rootDir: __dirname,
      roots: ['<rootDir>/test/controller'],
      testMatch: ['**/*.spec.ts'],
      transform: { '^.+\\.ts$': tsJest },
    },
    {
      displayName: 'packaging',
      testEnvironment: 'node',
      rootDir: __dirname,
      roots: ['<rootDir>/test/packaging'],
      testMatch: ['**/*.spec.ts'],
      transform: { '^.+\\.ts$': tsJest },
    },
    {
      displayName: 'integration',
      testEnvironment: 'node',
      rootDir: __dirname,
      roots: ['<rootDir>/test/integration', '<rootDir>/test/e2e'],
      testMatch: ['**/*.spec.ts'],
      transform: { '^.+\\.ts$': tsJest },
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
      setupFilesAfterEnv: ['<rootDir>/test/support/integration-timeout.ts'],
    },
    {
      displayName: 'browser',
      testEnvironment: 'node',
      rootDir: __dirname,
      roots: ['<rootDir>/test/browser'],
      testMatch: ['**/*.spec.ts'],
      transform: { '^.+\\.ts$': tsJest },
      globalSetup: '<rootDir>/test/browser/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
      setupFilesAfterEnv: ['<rootDir>/test/support/integration-timeout.ts'],
    },
  ],
};
