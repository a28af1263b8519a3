import { Command, CommandRunner, Option, SubCommand } from 'nest-commander';
import { AuditTrail } from '../../audit/audit-trail';
import { audited } from '../../audit/audited';
import { requiredOption } from '../../cli/cli-options';
import { CliUsageError, rejectExtraArguments } from '../../cli/cli-usage';
import { cliActor } from '../../control/phase-control';
import { MongoBackupService } from '../mongo-backup.service';
import { MongoCleanupService } from '../mongo-cleanup.service';
import { MongoRestoreService } from '../mongo-restore.service';
import { RefusedError } from '../refused-error';
import { formatBackup, formatCleanup, formatRestore } from './mongo-report';

const ALLOW_UNSIGNED = '--allow-unsigned';

const isRefusal = (error: unknown) => error instanceof RefusedError;

function printWarnings(warnings: string[]): void {
  for (const warning of warnings) process.stderr.write(`${warning}\n`);
}

/** `mongo backup --out FILE`: a gzip'd, checksummed, signed copy of every blog document. */
@SubCommand({
  name: 'backup',
  description:
    'Write every blog document to a gzip file with a manifest, signed with BACKUP_KEY (0600)',
})
export class MongoBackupCommand extends CommandRunner {
  constructor(
    private readonly service: MongoBackupService,
    private readonly trail: AuditTrail,
  ) {
    super();
  }

  async run(params: string[], flags: { out?: string; allowUnsigned?: boolean }): Promise<void> {
    rejectExtraArguments('mongo backup', params);
    const out = requiredOption('mongo backup', '--out', flags.out);
    const result = await audited(
      this.trail,
      {
        actor: cliActor(),
        action: 'mongo.backup',
        target: out,
        refused: isRefusal,
        details: (done) => ({
          database: done.database,
          counts: done.manifest.counts,
          bytes: done.bytes,
          phase: done.phase,
          signed: done.keyId !== undefined,
        }),
      },
      () => this.service.backup(out, flags.allowUnsigned === true),
    );
    process.stdout.write(`${formatBackup(result)}\n`);
    if (!result.keyId) {
      process.stderr.write(
        `warning: BACKUP_KEY is not set, so this backup is not signed: mongo cleanup and mongo restore accept it only with ${ALLOW_UNSIGNED}\n`,
      );
    }
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

  @Option({
    flags: ALLOW_UNSIGNED,
    description: 'in production, write an unsigned file when BACKUP_KEY is not set',
  })
  parseAllowUnsigned(): boolean {
    return true;
  }
}

/** `mongo cleanup --backup FILE --yes`: drops MongoDB's blog collections, phase 3 only. */
@SubCommand({
  name: 'cleanup',
  description: "Drop MongoDB's blog collections once a backup is proven equal to them (phase 3)",
})
export class MongoCleanupCommand extends CommandRunner {
  constructor(
    private readonly service: MongoCleanupService,
    private readonly trail: AuditTrail,
  ) {
    super();
  }

  async run(
    params: string[],
    flags: { backup?: string; yes?: boolean; allowUnsigned?: boolean },
  ): Promise<void> {
    rejectExtraArguments('mongo cleanup', params);
    const backup = requiredOption('mongo cleanup', '--backup', flags.backup);
    const result = await audited(
      this.trail,
      {
        actor: cliActor(),
        action: 'mongo.cleanup',
        target: backup,
        refused: isRefusal,
        details: (done) => ({
          database: done.database,
          counts: done.counts,
          dropped: done.dropped,
          audit_entries_copied: done.auditEntriesCopied,
        }),
      },
      () => this.service.cleanup(backup, flags.yes === true, flags.allowUnsigned === true),
    );
    printWarnings(result.warnings);
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

  @Option({
    flags: ALLOW_UNSIGNED,
    description: 'accept a backup not signed with BACKUP_KEY (warned)',
  })
  parseAllowUnsigned(): boolean {
    return true;
  }
}

/** `mongo restore --from FILE`: the rollback from phase 3, into an empty MongoDB. */
@SubCommand({
  name: 'restore',
  description: 'Re-create the Mongo schema and put a backup back into an empty MongoDB',
})
export class MongoRestoreCommand extends CommandRunner {
  constructor(
    private readonly service: MongoRestoreService,
    private readonly trail: AuditTrail,
  ) {
    super();
  }

  async run(
    params: string[],
    flags: { from?: string; allowUnsigned?: boolean; into?: string },
  ): Promise<void> {
    rejectExtraArguments('mongo restore', params);
    const from = requiredOption('mongo restore', '--from', flags.from);
    const result = await audited(
      this.trail,
      {
        actor: cliActor(),
        action: 'mongo.restore',
        target: from,
        refused: isRefusal,
        details: (done) => ({
          database: done.database,
          counts: done.manifest.counts,
          migrations_applied: done.migrationsApplied,
        }),
      },
      () =>
        this.service.restore(from, {
          allowUnsigned: flags.allowUnsigned === true,
          into: flags.into,
        }),
    );
    printWarnings(result.warnings);
    process.stdout.write(`${formatRestore(result)}\n`);
  }

  @Option({ flags: '--from <file>', description: 'a backup made by mongo backup' })
  parseFrom(raw: string): string {
    return raw;
  }

  @Option({
    flags: ALLOW_UNSIGNED,
    description: 'accept a backup not signed with BACKUP_KEY (warned)',
  })
  parseAllowUnsigned(): boolean {
    return true;
  }

  @Option({
    flags: '--into <db>',
    description: "the target database (MONGO_URL's) when the backup was taken of another one",
  })
  parseInto(raw: string): string {
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
