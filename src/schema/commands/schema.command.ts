import { AppConfig } from '../../config/app-config';
import { StoreName } from '../../config/migration-phase';
import { Command, CommandRunner, Option, SubCommand } from 'nest-commander';
import { CliUsageError, rejectExtraArguments } from '../../cli/cli-usage';
import { SchemaService } from '../schema.service';
import { formatMigrate, formatStatus, statusAsJson } from './schema-report';

const STORE_FLAGS = {
  flags: '--store <stores>',
  description: 'mongo, cassandra or mongo,cassandra (default: the stores MIGRATION_PHASE uses)',
};

/** `--store mongo|cassandra|mongo,cassandra`: which stores a schema command works on. */
export function parseStores(raw: string): StoreName[] {
  const stores = raw.split(',').map((store) => store.trim());
  if (
    stores.length === 0 ||
    new Set(stores).size !== stores.length ||
    !stores.every((store) => store === 'mongo' || store === 'cassandra')
  ) {
    throw new CliUsageError(`--store must be mongo, cassandra or mongo,cassandra (got '${raw}')`);
  }
  return stores as StoreName[];
}

/** `schema migrate [--dry-run] [--store …]`: applies pending migrations. */
@SubCommand({ name: 'migrate', description: 'Apply pending schema migrations' })
export class SchemaMigrateCommand extends CommandRunner {
  constructor(private readonly schema: SchemaService) {
    super();
  }

  async run(params: string[], options: { dryRun?: boolean; store?: StoreName[] }): Promise<void> {
    rejectExtraArguments('schema migrate', params);
    const dryRun = options.dryRun === true;
    const results = await this.schema.migrate({ dryRun, stores: options.store });
    process.stdout.write(`${formatMigrate(results, dryRun)}\n`);
  }

  @Option({ flags: '--dry-run', description: 'Show what would be applied, change nothing' })
  parseDryRun(): boolean {
    return true;
  }

  @Option(STORE_FLAGS)
  parseStore(raw: string): StoreName[] {
    return parseStores(raw);
  }
}

/** `schema status [--json]`: applied / pending / changed migrations per store. */
@SubCommand({ name: 'status', description: 'Show applied, pending and changed migrations' })
export class SchemaStatusCommand extends CommandRunner {
  constructor(
    private readonly schema: SchemaService,
    private readonly config: AppConfig,
  ) {
    super();
  }

  async run(params: string[], options: { json?: boolean; store?: StoreName[] }): Promise<void> {
    rejectExtraArguments('schema status', params);
    const statuses = await this.schema.status(options.store);
    const phase = this.config.migrationPhase;
    const output = options.json ? statusAsJson(phase, statuses) : formatStatus(phase, statuses);
    process.stdout.write(`${output}\n`);
  }

  @Option({ flags: '--json', description: 'Print machine-readable JSON' })
  parseJson(): boolean {
    return true;
  }

  @Option(STORE_FLAGS)
  parseStore(raw: string): StoreName[] {
    return parseStores(raw);
  }
}

/** `schema` on its own (or with an unknown word) is a usage error, not a silent no-op. */
@Command({
  name: 'schema',
  description: 'Schema migrations for MongoDB and Cassandra',
  subCommands: [SchemaMigrateCommand, SchemaStatusCommand],
})
export class SchemaCommand extends CommandRunner {
  async run(params: string[]): Promise<void> {
    throw new CliUsageError(
      params.length > 0
        ? `unknown schema command '${params[0]}' (expected: migrate, status)`
        : 'missing schema command (expected: migrate, status)',
    );
  }
}
