// `npm run cli -- …`: runs the nest-commander CLI from source, without a build step.
// In a built image use `node dist/src/cli.js …` instead.
const path = require('node:path');
require('ts-node').register({
  transpileOnly: true,
  project: path.join(__dirname, '..', 'tsconfig.json'),
});
require('../src/cli.ts');
