// `npm run stack -- …`: runs the TypeScript stack tool without a build step.
const path = require('node:path');
require('ts-node').register({
  transpileOnly: true,
  project: path.join(__dirname, '..', 'tsconfig.json'),
});
require('./stack/stack-cli.ts').main();
