import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { StoreConnections } from '../database/store-connections';
import { StoreName, storeNamesUsedBy } from '../config/migration-phase';
import { CassandraMigrationRunner } from './cassandra-migration.runner';
import { MigrationFile, discoverMigrations, migrationsRoot } from './migration-file';
import { AppliedMigration, MigrationRunner } from './migration-runner';
import { MongoMigrationRunner } from './mongo-migration.runner';

export interface ChangedMigration {
  version: string;
  name: string;
  recordedChecksum: string;
  fileChecksum: string;
}

/** Where one store's schema stands compared with the migration files. */
export interface StoreSchemaStatus {
  store: StoreName;
  applied: AppliedMigration[];
  pending: MigrationFile[];
  /** Applied, but the file was edited afterwards: migrate refuses to run. */
  changed: ChangedMigration[];
  /** Recorded as applied, but no file has that version any more. */
  missing: AppliedMigration[];
}

export interface StoreMigrateResult {
  store: StoreName;
  /** Migrations applied by this run (or that would be, with dryRun). */
  migrations: { migration: MigrationFile; statements: string[] }[];
  alreadyApplied: number;
}

/** Migrate refused because applied migration files were edited. */
export class ChangedMigrationsError extends Error {
  override name = 'ChangedMigrationsError';
  constructor(readonly changed: { store: StoreName; migration: ChangedMigration }[]) {
    super(
      `${changed
        .map(({ store, migration }) => `${store} migration ${migration.version}-${migration.name}`)
        .join(
          ', ',
        )} changed after being applied (checksum differs); restore the original file and put the change in a new migration`,
    );
  }
}

/** Tries to connect a store the commands need (they may run before any phase connected it). */
const CONNECT_ATTEMPTS = 3;

/**
 * Status and migrate for the stores the current phase uses (or those asked for). The CLI
 * commands, `phase set` and the boot-time check all go through here.
 */

@Injectable()
export class SchemaService {
  private readonly logger = new Logger(SchemaService.name);
  private readonly available: Record<StoreName, MigrationRunner>;

  constructor(
    private readonly config: AppConfig,
    mongo: MongoMigrationRunner,
    cassandra: CassandraMigrationRunner,
    private readonly connections: StoreConnections,
  ) {
    this.available = { mongo, cassandra };
  }

  /** The runners of `stores` (default: those MIGRATION_PHASE uses), Mongo first. */
  private runners(
    stores: readonly StoreName[] = storeNamesUsedBy(this.config.migrationPhase),
  ): MigrationRunner[] {
    return (['mongo', 'cassandra'] as const)
      .filter((store) => stores.includes(store))
      .map((store) => this.available[store]);
  }

  /**
   * Applied, pending, changed and missing migrations per store (Mongo first); by default of the
   * stores MIGRATION_PHASE uses.
   */
  async status(stores?: readonly StoreName[]): Promise<StoreSchemaStatus[]> {
    const root = migrationsRoot(this.config.migrationsDir);
    return Promise.all(
      this.runners(stores).map(async (runner) => {
        await this.connections.ensure(runner.store, CONNECT_ATTEMPTS);
        const files = discoverMigrations(root, runner.store);
        const applied = await runner.applied();
        const recorded = new Map(applied.map((record) => [record.version, record]));
        const onDisk = new Set(files.map((file) => file.version));
        return {
          store: runner.store,
          applied,
          pending: files.filter((file) => !recorded.has(file.version)),
          changed: files.flatMap((file) => {
            const record = recorded.get(file.version);
            return record && record.checksum !== file.checksum
              ? [
                  {
                    version: file.version,
                    name: file.name,
                    recordedChecksum: record.checksum,
                    fileChecksum: file.checksum,
                  },
                ]
              : [];
          }),
          missing: applied.filter((record) => !onDisk.has(record.version)),
        };
      }),
    );
  }

  /**
   * Applies pending migrations in version order, store by store. Refuses to start (changing
   * nothing) if any applied migration file was edited. With dryRun, only reports the plan.
   */
  async migrate(
    options: { dryRun?: boolean; stores?: readonly StoreName[] } = {},
  ): Promise<StoreMigrateResult[]> {
    const statuses = await this.status(options.stores);
    const changed = statuses.flatMap((status) =>
      status.changed.map((migration) => ({ store: status.store, migration })),
    );
    if (changed.length > 0) throw new ChangedMigrationsError(changed);

    const results: StoreMigrateResult[] = [];
    for (const status of statuses) {
      const runner = this.available[status.store];
      if (!runner) continue;
      const result: StoreMigrateResult = {
        store: status.store,
        migrations: [],
        alreadyApplied: status.applied.length,
      };
      for (const migration of status.pending) {
        const statements = runner.describe(migration);
        if (!options.dryRun) {
          await runner.apply(migration);
          this.logger.log(`${status.store}: applied ${migration.fileName}`);
        }
        result.migrations.push({ migration, statements });
      }
      results.push(result);
    }
    return results;
  }
}
