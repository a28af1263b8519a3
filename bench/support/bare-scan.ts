/**
 * The floor under `migrate verify`: reads everything verify reads, the same way, and nothing
 * else. MongoDB posts and comments with find({}).batchSize(1000), and at the same time every row
 * of the Cassandra tables verify scans (every table the record kinds declare), with scanTable (16
 * token ranges, 2 at a time per table, pages of 1000) and selectColumns' column lists (WRITETIME
 * included). No hashing, no digests.
 * Run as a process of its own (like the verify it is compared with), configured by the app's
 * environment variables; prints {seconds, counts} as JSON on stdout.
 */
import mongoose from 'mongoose';
import { loadConfig } from '../../src/config/app-config';
import { CassandraClient } from '../../src/database/cassandra/cassandra-client';
import { mongooseOptions } from '../../src/database/store-connections';
import { BLOG_KINDS } from '../../src/kinds/blog-kinds';
import { tablesOf } from '../../src/kinds/record-kind';
import { scanTable } from '../../src/store/cassandra/cassandra-scan';
import { selectColumns } from '../../src/store/cassandra/cql';

/** Every Cassandra table the record kinds declare: the ones verify reads. */
const CASSANDRA_TABLES = BLOG_KINDS.flatMap((kind) => tablesOf(kind));

async function main(): Promise<void> {
  const config = loadConfig();
  const cassandra = new CassandraClient(config);
  await cassandra.connect();
  const connection = await mongoose
    .createConnection(config.mongoUrl, mongooseOptions(config))
    .asPromise();
  try {
    const counts: Record<string, number> = {};
    const started = Date.now();
    await Promise.all([
      ...BLOG_KINDS.map((kind) => kind.mongo.collection).map(async (name) => {
        let n = 0;
        for await (const _doc of connection.collection(name).find({}).batchSize(1000)) n++;
        counts[`mongo.${name}`] = n;
      }),
      ...CASSANDRA_TABLES.map(async (table) => {
        let n = 0;
        const columns = selectColumns(table, true);
        await scanTable(cassandra, table.name, table.partitionKey, columns, () => n++, 2);
        counts[`cassandra.${table.name}`] = n;
      }),
    ]);
    const seconds = (Date.now() - started) / 1000;
    process.stdout.write(`${JSON.stringify({ seconds, counts })}\n`);
  } finally {
    await connection.close();
    await cassandra.shutdown();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
