import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { MigrationPhase } from '../config/migration-phase';

/**
 * The migration phase this instance serves right now: the one value the PostStore router asks.
 * Today it is MIGRATION_PHASE; phase control will make it follow a durable control record, and
 * nothing that asks it needs to change.
 */
@Injectable()
export class CurrentPhase {
  constructor(private readonly config: AppConfig) {}

  get(): MigrationPhase {
    return this.config.migrationPhase;
  }
}
