import { AppConfig, loadConfig } from '../../src/config/app-config';
import { testEnv } from '../support/test-env';
import { runCli } from './helpers/app';
import { migrationVersions } from './helpers/migrations';
import {
  CASSANDRA_DATA_TABLES,
  CASSANDRA_OPERATIONS_TABLES,
  MONGO_DATA_COLLECTIONS,
  MONGO_OPERATIONS_COLLECTIONS,
} from './helpers/store-module';
import {
  cassandraSchema,
  dropTestStores,
  mongoSchema,
  recordedVersions,
  withCassandra,
} from './helpers/stores';

const MIGRATIONS = {
  mongo: migrationVersions('mongo').length,
  cassandra: migrationVersions('cassandra').length,
};

describe('schema migrate (CLI, real MongoDB and Cassandra)', () => {
  let env: Record<string, string>;
  let config: AppConfig;

  beforeAll(() => {
    env = testEnv('schema-migrate');
    config = loadConfig(env);
  });

  afterAll(() => dropTestStores(config));

  it('starts with everything pending and nothing created', () => {
    const run = runCli(env, 'schema', 'status', '--json');
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const status = JSON.parse(run.stdout) as {
      phase: string;
      stores: { store: string; applied: unknown[]; pending: { version: string }[] }[];
    };
    expect(status.phase).toBe('dual-write');
    expect(status.stores.map((s) => [s.store, s.applied.length, s.pending.length])).toEqual([
      ['mongo', 0, MIGRATIONS.mongo],
      ['cassandra', 0, MIGRATIONS.cassandra],
    ]);
  });

  it('applies every migration once, and a second run changes nothing', async () => {
    const first = runCli(env, 'schema', 'migrate');
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    expect(first.stdout).toContain('mongo: applied 20261124120000-create-posts-and-comments.json');
    expect(first.stdout).toContain('cassandra: applied 20261124120000-create-keyspace.cql');
    expect(first.stdout).toContain('cassandra: applied 20261124120100-create-core-tables.cql');

    const before = {
      cassandra: await cassandraSchema(config),
      mongo: await mongoSchema(config),
      records: await recordedVersions(config),
    };
    const second = runCli(env, 'schema', 'migrate');
    expect(second.status).toBe(0);
    expect(second.stdout).toBe(
      `mongo: up to date (${MIGRATIONS.mongo} applied)\ncassandra: up to date (${MIGRATIONS.cassandra} applied)\n`,
    );
    const after = {
      cassandra: await cassandraSchema(config),
      mongo: await mongoSchema(config),
      records: await recordedVersions(config),
    };
    expect(after).toEqual(before);
  });

  it('created the documented tables, collections and indexes', async () => {
    const cassandra = await cassandraSchema(config);
    expect(
      cassandra.tables.map((t) => (JSON.parse(t) as { table_name: string }).table_name),
    ).toEqual(
      expect.arrayContaining([
        ...CASSANDRA_DATA_TABLES,
        ...CASSANDRA_OPERATIONS_TABLES,
        'schema_migrations',
      ]),
    );
    // one table per query: no secondary index anywhere in the keyspace
    const indexes = await withCassandra(config, (client) =>
      client.execute('SELECT index_name FROM system_schema.indexes WHERE keyspace_name = ?', [
        config.cassandraKeyspace,
      ]),
    );
    expect(indexes.rowLength).toBe(0);
    const clustering = await withCassandra(config, async (client) =>
      (
        await client.execute(
          'SELECT column_name, kind, clustering_order FROM system_schema.columns WHERE keyspace_name = ? AND table_name = ?',
          [config.cassandraKeyspace, 'comments_by_post'],
          { prepare: true },
        )
      ).rows
        .filter((row) => row.get('kind') !== 'regular')
        .map((row) => `${row.get('column_name')}:${row.get('kind')}:${row.get('clustering_order')}`)
        .sort(),
    );
    expect(clustering).toEqual([
      'created_at:clustering:asc',
      'id:clustering:asc',
      'post_id:partition_key:none',
    ]);

    const mongo = (await mongoSchema(config)) as {
      names: string[];
      indexes: Record<string, { name: string; key: unknown }[]>;
    };
    expect(mongo.names).toEqual(
      [...MONGO_DATA_COLLECTIONS, ...MONGO_OPERATIONS_COLLECTIONS, 'schema_migrations'].sort(),
    );
    expect(mongo.indexes.posts.map(({ name, key }) => [name, key])).toEqual([
      ['_id_', { _id: 1 }],
      ['posts_author', { author: 1 }],
      ['posts_created_at', { created_at: -1 }],
      ['posts_created_at_id', { created_at: 1, _id: 1 }],
      ['posts_month_created_at_id', { month: 1, created_at: 1, _id: 1 }],
      ['posts_title', { title: 1 }],
      ['posts_title_key_id', { title_key: 1, _id: 1 }],
      ['posts_title_prefix_title_key_id', { title_prefix: 1, title_key: 1, _id: 1 }],
    ]);
    expect(mongo.indexes.comments.map(({ name, key }) => [name, key])).toEqual([
      ['_id_', { _id: 1 }],
      ['comments_post_id_created_at', { post_id: 1, created_at: 1 }],
      ['comments_post_id_created_at_id', { post_id: 1, created_at: 1, _id: 1 }],
    ]);
  });

  it('reports nothing pending or changed afterwards, in the table and in JSON', () => {
    const table = runCli(env, 'schema', 'status');
    expect(table.status).toBe(0);
    expect(table.stdout).toContain(`mongo: ${MIGRATIONS.mongo} applied, 0 pending, 0 changed`);
    expect(table.stdout).toContain(
      `cassandra: ${MIGRATIONS.cassandra} applied, 0 pending, 0 changed`,
    );
    expect(table.stdout).not.toContain('pending  ');

    const json = JSON.parse(runCli(env, 'schema', 'status', '--json').stdout) as {
      stores: { pending: unknown[]; changed: unknown[]; applied: { checksum: string }[] }[];
    };
    for (const store of json.stores) {
      expect(store.pending).toEqual([]);
      expect(store.changed).toEqual([]);
      for (const applied of store.applied) expect(applied.checksum).toMatch(/^[0-9a-f]{64}$/);
    }
  });

  it('answers bad usage with one readable line and a non-zero exit', () => {
    for (const args of [['schema', 'frobnicate'], ['schema', 'migrate', '--force'], ['nope']]) {
      const run = runCli(env, ...args);
      expect(run.status).not.toBe(0);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr).toMatch(/^error: /);
    }
  });

  it('prints only the ConfigError line for bad configuration', () => {
    const run = runCli({ ...env, MIGRATION_PHASE: 'bogus' }, 'schema', 'status');
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      'Invalid configuration: MIGRATION_PHASE must be one of mongo, dual-write, cassandra-primary, cassandra (got "bogus")\n',
    );
  });
});
