import { AppConfig } from '../../config/app-config';
import { Command, CommandRunner, Option, SubCommand } from 'nest-commander';
import { SchemaService } from '../schema.service';
import { formatMigrate, formatStatus, statusAsJson } from './schema-report';

/** A mistake in how the CLI was called; cli.ts prints it as one line and exits 1. */
export class CliUsageError extends Error {
  override name = 'CliUsageError';
}

// Commander 11 passes stray words through silently; a typo should not run a migration.
export function rejectExtraArguments(command: string, params: string[]): void {
  if (params.length > 0) {
    throw new CliUsageError(`${command} takes no arguments (got '${params.join(' ')}')`);
  }
}

/** `schema migrate [--dry-run]`: applies pending migrations for the stores the phase uses. */
@SubCommand({ name: 'migrate', description: 'Apply pending schema migrations' })
export class SchemaMigrateCommand extends CommandRunner {
  constructor(private readonly schema: SchemaService) {
    super();
  }

  async run(params: string[], options: { dryRun?: boolean }): Promise<void> {
    rejectExtraArguments('schema migrate', params);
    const dryRun = options.dryRun === true;
    const results = await this.schema.migrate({ dryRun });
    process.stdout.write(`${formatMigrate(results, dryRun)}\n`);
  }

  @Option({ flags: '--dry-run', description: 'Show what would be applied, change nothing' })
  parseDryRun(): boolean {
    return true;
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

  async run(params: string[], options: { json?: boolean }): Promise<void> {
    rejectExtraArguments('schema status', params);
    const statuses = await this.schema.status();
    const phase = this.config.migrationPhase;
    const output = options.json ? statusAsJson(phase, statuses) : formatStatus(phase, statuses);
    process.stdout.write(`${output}\n`);
  }

  @Option({ flags: '--json', description: 'Print machine-readable JSON' })
  parseJson(): boolean {
    return true;
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
