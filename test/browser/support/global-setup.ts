import integrationGlobalSetup from '../../support/global-setup';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { ensureChromium } = require('../../../scripts/ensure-chromium.js') as {
  ensureChromium(): string;
};

/**
 * The browser tier needs what the integration tier needs (real servers: the test stack started,
 * or TEST_MONGO_URL / TEST_CASSANDRA_CONTACT_POINTS adopted; the compiled CLI) plus a Chromium:
 * Debian's package, installed here with apt when missing (scripts/ensure-chromium.js). The path
 * reaches the test files through CHROMIUM_PATH (workers inherit this process's environment).
 */
export default async function globalSetup(): Promise<void> {
  process.env.CHROMIUM_PATH = ensureChromium();
  await integrationGlobalSetup();
}
