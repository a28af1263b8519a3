import { Command, CommandRunner, Option, SubCommand } from 'nest-commander';
import { requiredOption } from '../../cli/cli-options';
import { CliUsageError, rejectExtraArguments } from '../../cli/cli-usage';
import { MongoBackupService } from '../mongo-backup.service';
import { MongoCleanupService } from '../mongo-cleanup.service';
import { MongoRestoreService } from '../mongo-restore.service';
import { formatBackup, formatCleanup, formatRestore } from './mongo-report';

/** `mongo backup --out FILE`: a gzip'd, checksummed copy of every blog document. */
@SubCommand({
  name: 'backup',
  description: 'Write every post, comment, hint and tombstone to a gzip file with a manifest',
})
export class MongoBackupCommand extends CommandRunner {
  constructor(private readonly service: MongoBackupService) {
    super();
  }

  async run(params: string[], flags: { out?: string }): Promise<void> {
    rejectExtraArguments('mongo backup', params);
    const out = requiredOption('mongo backup', '--out', flags.out);
    const result = await this.service.backup(out);
    process.stdout.write(`${formatBackup(result)}\n`);
    if (MongoBackupService.mongoStillWritten(result.phase)) {
      process.stderr.write(
        `warning: phase ${result.phase} still writes to MongoDB, so this backup is no snapshot; mongo cleanup (phase cassandra) accepts only a backup equal to MongoDB\n`,
      );
    }
  }

  @Option({ flags: '--out <file>', description: 'the backup file to create (never replaced)' })
  parseOut(raw: string): string {
    return raw;
  }
}

/** `mongo cleanup --backup FILE --yes`: drops MongoDB's blog collections, phase 3 only. */
@SubCommand({
  name: 'cleanup',
  description: "Drop MongoDB's blog collections once a backup is proven equal to them (phase 3)",
})
export class MongoCleanupCommand extends CommandRunner {
  constructor(private readonly service: MongoCleanupService) {
    super();
  }

  async run(params: string[], flags: { backup?: string; yes?: boolean }): Promise<void> {
    rejectExtraArguments('mongo cleanup', params);
    const backup = requiredOption('mongo cleanup', '--backup', flags.backup);
    const result = await this.service.cleanup(backup, flags.yes === true);
    process.stdout.write(`${formatCleanup(result)}\n`);
  }

  @Option({ flags: '--backup <file>', description: 'a backup made by mongo backup' })
  parseBackup(raw: string): string {
    return raw;
  }

  @Option({ flags: '--yes', description: 'really drop (without it: only the checks)' })
  parseYes(): boolean {
    return true;
  }
}

/** `mongo restore --from FILE`: the rollback from phase 3, into an empty MongoDB. */
@SubCommand({
  name: 'restore',
  description: 'Re-create the Mongo schema and put a backup back into an empty MongoDB',
})
export class MongoRestoreCommand extends CommandRunner {
  constructor(private readonly service: MongoRestoreService) {
    super();
  }

  async run(params: string[], flags: { from?: string }): Promise<void> {
    rejectExtraArguments('mongo restore', params);
    const from = requiredOption('mongo restore', '--from', flags.from);
    const result = await this.service.restore(from);
    process.stdout.write(`${formatRestore(result)}\n`);
  }

  @Option({ flags: '--from <file>', description: 'a backup made by mongo backup' })
  parseFrom(raw: string): string {
    return raw;
  }
}

@Command({
  name: 'mongo',
  description: 'Back up, clean up (phase 3) and restore the blog data in MongoDB',
  subCommands: [MongoBackupCommand, MongoCleanupCommand, MongoRestoreCommand],
})
export class MongoCommand extends CommandRunner {
  async run(params: string[]): Promise<void> {
    throw new CliUsageError(
      params.length > 0
        ? `unknown mongo command '${params[0]}' (expected: backup, cleanup, restore)`
        : 'missing mongo command (expected: backup, cleanup, restore)',
    );
  }
}
