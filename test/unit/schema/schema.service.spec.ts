import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../../src/config/app-config';
import { StoreName } from '../../../src/config/migration-phase';
import { formatMigrate, formatStatus } from '../../../src/schema/commands/schema-report';
import { CassandraMigrationRunner } from '../../../src/schema/cassandra-migration.runner';
import { MigrationFile, checksumOf } from '../../../src/schema/migration-file';
import { AppliedMigration, MigrationRunner } from '../../../src/schema/migration-runner';
import { MongoMigrationRunner } from '../../../src/schema/mongo-migration.runner';
import { StoreConnections } from '../../../src/database/store-connections';
import { ChangedMigrationsError, SchemaService } from '../../../src/schema/schema.service';

/** Keeps "applied" in memory, like a store's schema_migrations. */
class FakeRunner extends MigrationRunner {
  records: AppliedMigration[] = [];
  appliedFiles: string[] = [];
  constructor(readonly store: StoreName) {
    super();
  }
  async applied(): Promise<AppliedMigration[]> {
    return [...this.records];
  }
  async apply(migration: MigrationFile): Promise<void> {
    this.appliedFiles.push(migration.fileName);
    this.records.push({ ...migration, appliedAt: new Date('2026-11-24T12:00:00Z') });
  }
  describe(migration: MigrationFile): string[] {
    return [`run ${migration.name}`];
  }
}

describe('SchemaService', () => {
  let root: string;
  let mongo: FakeRunner;
  let cassandra: FakeRunner;

  const service = (phase: string) =>
    new SchemaService(
      loadConfig({ MIGRATION_PHASE: phase, MIGRATIONS_DIR: root }),
      mongo as unknown as MongoMigrationRunner,
      cassandra as unknown as CassandraMigrationRunner,
      // the runners are fakes: nothing to connect
      { ensure: async () => undefined } as unknown as StoreConnections,
    );

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'schema-service-'));
    mkdirSync(join(root, 'mongo'));
    mkdirSync(join(root, 'cassandra'));
    writeFileSync(join(root, 'mongo', '20260101000000-first.json'), 'm1');
    writeFileSync(join(root, 'cassandra', '20260101000000-first.cql'), 'c1');
    writeFileSync(join(root, 'cassandra', '20260102000000-second.cql'), 'c2');
    mongo = new FakeRunner('mongo');
    cassandra = new FakeRunner('cassandra');
  });

  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('applies pending migrations in version order, then has nothing left to do', async () => {
    const schema = service('dual-write');
    const first = await schema.migrate();
    expect(first.map((r) => [r.store, r.migrations.length])).toEqual([
      ['mongo', 1],
      ['cassandra', 2],
    ]);
    expect(cassandra.appliedFiles).toEqual([
      '20260101000000-first.cql',
      '20260102000000-second.cql',
    ]);
    const second = await schema.migrate();
    expect(second.map((r) => [r.store, r.migrations.length, r.alreadyApplied])).toEqual([
      ['mongo', 0, 1],
      ['cassandra', 0, 2],
    ]);
    expect(formatMigrate(second, false)).toBe(
      'mongo: up to date (1 applied)\ncassandra: up to date (2 applied)',
    );
  });

  it('only touches the stores the phase uses', async () => {
    await service('mongo').migrate();
    await service('cassandra').migrate();
    expect(mongo.appliedFiles).toEqual(['20260101000000-first.json']);
    expect((await service('mongo').status()).map((s) => s.store)).toEqual(['mongo']);
    expect((await service('cassandra').status()).map((s) => s.store)).toEqual(['cassandra']);
  });

  it('dry run reports the plan and applies nothing', async () => {
    const plan = await service('cassandra').migrate({ dryRun: true });
    expect(cassandra.appliedFiles).toEqual([]);
    expect(formatMigrate(plan, true)).toBe(
      [
        'cassandra: would apply 20260101000000-first.cql',
        '    run first',
        'cassandra: would apply 20260102000000-second.cql',
        '    run second',
        'Dry run: nothing was changed.',
      ].join('\n'),
    );
  });

  it('reports edited and vanished files, and refuses to migrate anything', async () => {
    await service('dual-write').migrate();
    writeFileSync(join(root, 'cassandra', '20260101000000-first.cql'), 'c1 edited');
    rmSync(join(root, 'cassandra', '20260102000000-second.cql'));
    writeFileSync(join(root, 'mongo', '20260103000000-third.json'), 'm3');

    const status = await service('dual-write').status();
    expect(status[1].changed).toEqual([
      {
        version: '20260101000000',
        name: 'first',
        recordedChecksum: checksumOf('c1'),
        fileChecksum: checksumOf('c1 edited'),
      },
    ]);
    expect(status[1].missing.map((m) => m.name)).toEqual(['second']);
    const table = formatStatus('dual-write', status);
    expect(table).toMatch(/cassandra\s+20260101000000\s+first\s+CHANGED/);
    expect(table).toMatch(/cassandra\s+20260102000000\s+second\s+file missing/);
    expect(table).toMatch(/mongo\s+20260103000000\s+third\s+pending/);
    expect(table).toContain('cassandra: 2 applied, 0 pending, 1 changed, 1 file(s) missing');

    const attempt = service('dual-write').migrate();
    await expect(attempt).rejects.toBeInstanceOf(ChangedMigrationsError);
    await expect(attempt).rejects.toThrow(
      'cassandra migration 20260101000000-first changed after being applied',
    );
    expect(mongo.appliedFiles).toEqual(['20260101000000-first.json']);
  });
});
