import { StoreName } from '../config/migration-phase';
import { MigrationFile } from './migration-file';

/** A migration as recorded in a store's schema_migrations. */
export interface AppliedMigration {
  version: string;
  name: string;
  checksum: string;
  appliedAt: Date;
}

/**
 * Applies one store's migrations and records them in that same store, so the record can
 * never disagree with the schema it describes. SchemaService decides what to run.
 */
export abstract class MigrationRunner {
  abstract readonly store: StoreName;

  /** Every recorded migration, in version order; empty before the first one. */
  abstract applied(): Promise<AppliedMigration[]>;

  /** Runs the migration and records it. Migrations are idempotent, so a rerun is harmless. */
  abstract apply(migration: MigrationFile): Promise<void>;

  /** What apply() would do, one line per statement/operation (for --dry-run). */
  abstract describe(migration: MigrationFile): string[];
}
