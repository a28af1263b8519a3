import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { ChangedMigrationsError, SchemaService } from './schema.service';

/** Production refuses to start on an out-of-date schema instead of migrating behind your back. */
export class PendingMigrationsError extends Error {
  override name = 'PendingMigrationsError';
}

/**
 * Runs before the app serves anything. In development and test it applies pending migrations
 * (the local stack just works); in production it only checks, because schema changes there are
 * a deliberate step: `npm run cli -- schema migrate`.
 */
@Injectable()
export class SchemaStartupCheck implements OnModuleInit {
  private readonly logger = new Logger(SchemaStartupCheck.name);

  constructor(
    private readonly config: AppConfig,
    private readonly schema: SchemaService,
  ) {}

  async onModuleInit(): Promise<void> {
    if (this.config.nodeEnv !== 'production') {
      const results = await this.schema.migrate();
      const count = results.reduce((sum, result) => sum + result.migrations.length, 0);
      if (count > 0) this.logger.log(`Applied ${count} pending schema migration(s)`);
      return;
    }
    const statuses = await this.schema.status();
    const changed = statuses.flatMap((status) =>
      status.changed.map((migration) => ({ store: status.store, migration })),
    );
    if (changed.length > 0) throw new ChangedMigrationsError(changed);
    const pending = statuses.filter((status) => status.pending.length > 0);
    if (pending.length > 0) {
      const summary = pending
        .map((status) => `${status.store}: ${status.pending.length}`)
        .join(', ');
      throw new PendingMigrationsError(
        `Schema migrations are pending (${summary}); run \`npm run cli -- schema migrate\` before starting the app`,
      );
    }
  }
}
