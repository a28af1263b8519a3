// `npm run cli -- …`: runs the CLI from the compiled app (dist/), building it first only when a
// source file changed since the last build. In the Docker image: `node dist/src/cli.js …`.
require('./build-if-stale.js').buildIfStale();
require('../dist/src/cli.js').main('npm run cli --');
