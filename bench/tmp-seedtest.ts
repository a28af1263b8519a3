import { loadConfig } from '../src/config/app-config';
import { storeContext } from './support/seed-module';
import { ScaleSeeder } from './support/scale-seed';
import { dropTestStores } from '../test/integration/helpers/stores';
async function main() {
  const config = loadConfig({ NODE_ENV: 'development', MIGRATION_PHASE: 'cassandra', CASSANDRA_CONTACT_POINTS: '127.0.0.1:19542', CASSANDRA_KEYSPACE: 'seedtest_' + Date.now(), MONGO_URL: 'mongodb://127.0.0.1:27542/x' });
  await (await storeContext(config)).close();
  const s = new ScaleSeeder(config); await s.connect();
  const t = process.hrtime();
  const step = await s.growTo(Number(process.argv[2] ?? 8000), (p) => console.log(p));
  console.log(step, process.cpuUsage(), process.hrtime(t));
  await s.shutdown(); await dropTestStores(config);
}
main().then(() => process.exit(0));
