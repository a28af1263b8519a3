import { Client, types } from 'cassandra-driver';
import mongoose from 'mongoose';
import { AppConfig } from '../../../src/config/app-config';

/**
 * A plain driver client for assertions and cleanup, independent of the app's own client; at ONE
 * unless asked otherwise (on a cluster a check after a node's restart reads at LOCAL_QUORUM: a
 * replica that was down may still be missing writes its hints bring).
 */
export function rawCassandra(
  config: AppConfig,
  consistency: types.consistencies = types.consistencies.one,
): Client {
  const port = /:(\d+)$/.exec(config.cassandraContactPoints[0] ?? '')?.[1];
  return new Client({
    contactPoints: config.cassandraContactPoints,
    localDataCenter: config.cassandraLocalDc,
    // peers the driver discovers are reached on the first contact point's port, as the app does
    ...(port && { protocolOptions: { port: Number(port) } }),
    queryOptions: { consistency },
  });
}

/** Runs `use` against the test's own Mongo database and closes the connection afterwards. */
export async function withMongo<T>(
  config: AppConfig,
  use: (db: mongoose.mongo.Db) => Promise<T>,
): Promise<T> {
  const connection = await mongoose
    .createConnection(config.mongoUrl, { serverSelectionTimeoutMS: 5000 })
    .asPromise();
  try {
    if (!connection.db) throw new Error('no Mongo database');
    return await use(connection.db);
  } finally {
    await connection.close();
  }
}

export async function withCassandra<T>(
  config: AppConfig,
  use: (client: Client) => Promise<T>,
  consistency?: types.consistencies,
): Promise<T> {
  const client = rawCassandra(config, consistency);
  try {
    await client.connect();
    return await use(client);
  } finally {
    await client.shutdown();
  }
}

/** Drops the keyspace and/or database a test file created (afterAll), for the stores it used. */
export async function dropTestStores(config: AppConfig): Promise<void> {
  if (config.stores.mongo) await withMongo(config, (db) => db.dropDatabase());
  if (config.stores.cassandra) {
    await withCassandra(config, (client) =>
      client.execute(`DROP KEYSPACE IF EXISTS ${config.cassandraKeyspace}`),
    );
  }
}

/** Tables and columns of the test keyspace (one JSON line per row, sorted) for comparisons. */
export async function cassandraSchema(
  config: AppConfig,
): Promise<{ tables: string[]; columns: string[] }> {
  return withCassandra(config, async (client) => {
    const keyspace = config.cassandraKeyspace;
    const tables = await client.execute(
      'SELECT * FROM system_schema.tables WHERE keyspace_name = ?',
      [keyspace],
      { prepare: true },
    );
    const columns = await client.execute(
      'SELECT * FROM system_schema.columns WHERE keyspace_name = ?',
      [keyspace],
      { prepare: true },
    );
    const plain = (rows: types.Row[]) =>
      rows
        .map((row) => JSON.stringify(Object.fromEntries(row.keys().map((k) => [k, row.get(k)]))))
        .sort();
    return { tables: plain(tables.rows), columns: plain(columns.rows) };
  });
}

/** Collections and their indexes (name, key, unique), in a stable order. */
export async function mongoSchema(config: AppConfig): Promise<unknown> {
  return withMongo(config, async (db) => {
    const names = (await db.listCollections({}, { nameOnly: true }).toArray())
      .map((collection) => collection.name)
      .sort();
    const indexes: Record<string, unknown[]> = {};
    for (const name of names) {
      indexes[name] = (await db.collection(name).indexes())
        .map(({ name: indexName, key, unique }) => ({ name: indexName, key, unique: !!unique }))
        .sort((a, b) => String(a.name).localeCompare(String(b.name)));
    }
    return { names, indexes };
  });
}

/** The recorded migrations of both stores, as plain values. */
export async function recordedVersions(config: AppConfig): Promise<unknown> {
  const mongo = await withMongo(config, (db) =>
    db.collection('schema_migrations').find({}).sort({ _id: 1 }).toArray(),
  );
  const cassandra = await withCassandra(config, async (client) =>
    (
      await client.execute(
        `SELECT version, name, checksum, applied_at FROM ${config.cassandraKeyspace}.schema_migrations`,
      )
    ).rows
      .map((row) => ({
        version: row.get('version') as string,
        name: row.get('name') as string,
        checksum: row.get('checksum') as string,
        appliedAt: (row.get('applied_at') as Date).toISOString(),
      }))
      .sort((a, b) => a.version.localeCompare(b.version)),
  );
  return { mongo, cassandra };
}
