import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { StoreName, storeNamesUsedBy } from '../config/migration-phase';
import { ChangedMigrationsError, SchemaService } from './schema.service';

/** Production refuses to start on an out-of-date schema instead of migrating behind your back. */
export class PendingMigrationsError extends Error {
  override name = 'PendingMigrationsError';
}

/**
 * Runs before the app serves a phase's stores (at boot, and when a phase change brings in a
 * store): in development and test it applies pending migrations (the local stack just works);
 * in production it only checks, because schema changes there are a deliberate step:
 * `npm run cli -- schema migrate`.
 */
@Injectable()
export class SchemaStartupCheck {
  private readonly logger = new Logger(SchemaStartupCheck.name);

  constructor(
    private readonly config: AppConfig,
    private readonly schema: SchemaService,
  ) {}

  async check(stores: readonly StoreName[]): Promise<void> {
    if (this.config.nodeEnv !== 'production') {
      const results = await this.schema.migrate({ stores });
      const count = results.reduce((sum, result) => sum + result.migrations.length, 0);
      if (count > 0) this.logger.log(`Applied ${count} pending schema migration(s)`);
      return;
    }
    const statuses = await this.schema.status(stores);
    const changed = statuses.flatMap((status) =>
      status.changed.map((migration) => ({ store: status.store, migration })),
    );
    if (changed.length > 0) throw new ChangedMigrationsError(changed);
    const pending = statuses.filter((status) => status.pending.length > 0);
    if (pending.length > 0) {
      const summary = pending
        .map((status) => `${status.store}: ${status.pending.length}`)
        .join(', ');
      // the command's default is the stores MIGRATION_PHASE uses; name others (a recorded phase)
      const envStores = storeNamesUsedBy(this.config.migrationPhase);
      const flag = stores.every((store) => envStores.includes(store))
        ? ''
        : ` --store ${stores.join(',')}`;
      throw new PendingMigrationsError(
        `Schema migrations are pending (${summary}); run \`npm run cli -- schema migrate${flag}\` before starting the app`,
      );
    }
  }
}
