import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { appendFileSync, cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliModule } from '../../src/cli.module';
import { AppConfig, loadConfig } from '../../src/config/app-config';
import { CassandraMigrationRunner } from '../../src/schema/cassandra-migration.runner';
import { discoverMigrations, migrationsRoot } from '../../src/schema/migration-file';
import { MongoMigrationRunner } from '../../src/schema/mongo-migration.runner';
import { ChangedMigrationsError, SchemaService } from '../../src/schema/schema.service';
import { testEnv } from '../support/test-env';
import { runCli } from './helpers/app';
import { cassandraSchema, dropTestStores, mongoSchema } from './helpers/stores';

describe('schema migrations on a copy of migrations/ (MIGRATIONS_DIR)', () => {
  let dir: string;
  let env: Record<string, string>;
  let config: AppConfig;
  let context: INestApplicationContext;
  let schema: SchemaService;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'blog-migrations-'));
    cpSync(migrationsRoot(), dir, { recursive: true });
    env = testEnv('schema-changes', { MIGRATIONS_DIR: dir });
    config = loadConfig(env);
    context = await NestFactory.createApplicationContext(CliModule.forRoot(config), {
      logger: ['error'],
    });
    schema = context.get(SchemaService);
    await schema.migrate();
  });

  afterAll(async () => {
    await context?.close();
    await dropTestStores(config);
    rmSync(dir, { recursive: true, force: true });
  });

  it('re-running an applied migration is harmless (existing collections, indexes, tables)', async () => {
    const before = { mongo: await mongoSchema(config), cassandra: await cassandraSchema(config) };
    for (const file of discoverMigrations(dir, 'mongo')) {
      await context.get(MongoMigrationRunner).apply(file);
    }
    for (const file of discoverMigrations(dir, 'cassandra')) {
      await context.get(CassandraMigrationRunner).apply(file);
    }
    expect({ mongo: await mongoSchema(config), cassandra: await cassandraSchema(config) }).toEqual(
      before,
    );
  });

  it('a dry run lists a new migration without applying it; migrate then applies it', async () => {
    writeFileSync(
      join(dir, 'cassandra', '20261201000000-add-tags.cql'),
      'CREATE TABLE IF NOT EXISTS {{keyspace}}.tags (tag text PRIMARY KEY);\n',
    );
    const dryRun = await schema.migrate({ dryRun: true });
    expect(dryRun.map((r) => [r.store, r.migrations.map((m) => m.migration.name)])).toEqual([
      ['mongo', []],
      ['cassandra', ['add-tags']],
    ]);
    expect((await schema.status())[1].pending.map((m) => m.name)).toEqual(['add-tags']);

    await schema.migrate();
    const status = await schema.status();
    expect(status[1].pending).toEqual([]);
    expect(status[1].applied.map((m) => m.name)).toContain('add-tags');
    const tables = (await cassandraSchema(config)).tables.map(
      (row) => (JSON.parse(row) as { table_name: string }).table_name,
    );
    expect(tables).toContain('tags');
  });

  it('detects an applied file that was edited, and migrate refuses to run', async () => {
    appendFileSync(join(dir, 'cassandra', '20261124120100-create-core-tables.cql'), '\n-- edit\n');
    const json = JSON.parse(runCli(env, 'schema', 'status', '--json').stdout) as {
      stores: { store: string; changed: { version: string }[] }[];
    };
    expect(json.stores.map((s) => [s.store, s.changed.map((c) => c.version)])).toEqual([
      ['mongo', []],
      ['cassandra', ['20261124120100']],
    ]);
    expect(runCli(env, 'schema', 'status').stdout).toMatch(/create-core-tables\s+CHANGED/);

    // A pending migration next to the edited one must not be applied either.
    writeFileSync(
      join(dir, 'mongo', '20261202000000-add-index.json'),
      JSON.stringify({
        description: 'x',
        operations: [{ createIndex: { collection: 'posts', key: { updated_at: 1 }, name: 'u' } }],
      }),
    );
    await expect(schema.migrate()).rejects.toBeInstanceOf(ChangedMigrationsError);
    expect((await schema.status())[0].pending.map((m) => m.name)).toEqual(['add-index']);

    const run = runCli(env, 'schema', 'migrate');
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      'error: cassandra migration 20261124120100-create-core-tables changed after being applied (checksum differs); restore the original file and put the change in a new migration\n',
    );
  });
});
