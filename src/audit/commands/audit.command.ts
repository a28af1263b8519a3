import { Command, CommandRunner, Option, SubCommand } from 'nest-commander';
import { integerOption } from '../../cli/cli-options';
import { CliUsageError, rejectExtraArguments } from '../../cli/cli-usage';
import { AuditEntry, parseSince, SinceError } from '../audit-entry';
import { AuditTrail } from '../audit-trail';

const MAX_LIMIT = 1_000_000;

/** One line of `audit list`: time, outcome, actor, action and target, then the details. */
export function auditLine(entry: AuditEntry): string {
  const target = entry.target ? ` ${entry.target}` : '';
  const details = Object.keys(entry.details).length > 0 ? ` ${JSON.stringify(entry.details)}` : '';
  return `${entry.at} ${entry.outcome.padEnd(7)} ${entry.actor} ${entry.action}${target}${details}`;
}

/** `audit list [--since 1h|ISO] [--limit N] [--json]`: the trail, oldest first. */
@SubCommand({ name: 'list', description: 'List the audit trail, oldest first' })
export class AuditListCommand extends CommandRunner {
  constructor(private readonly trail: AuditTrail) {
    super();
  }

  async run(
    params: string[],
    flags: { since?: number; limit?: number; json?: boolean },
  ): Promise<void> {
    rejectExtraArguments('audit list', params);
    const unreachable = await this.trail.openForReading();
    const { entries, unreadable } = await this.trail.read({
      since: flags.since,
      limit: flags.limit,
    });
    const missing = [...unreachable, ...unreadable];
    if (missing.length >= 2 && entries.length === 0) {
      throw new Error(`cannot read the audit trail: ${missing.join('; ')}`);
    }
    // one store is enough for a whole trail in most phases; say which one was not read
    for (const store of missing) {
      process.stderr.write(`warning: audit trail not read from ${store}\n`);
    }
    if (flags.json) {
      process.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
      return;
    }
    if (entries.length > 0) process.stdout.write(`${entries.map(auditLine).join('\n')}\n`);
  }

  @Option({
    flags: '--since <time>',
    description: 'entries from this ISO time, or from this long ago (30m, 1h, 7d)',
  })
  parseSince(raw: string): number {
    const since = parseSince(raw);
    if (since === undefined) throw new CliUsageError(new SinceError(raw).message);
    return since;
  }

  @Option({ flags: '--limit <n>', description: 'only the newest n entries' })
  parseLimit(raw: string): number {
    return integerOption('--limit', raw, 1, MAX_LIMIT);
  }

  @Option({ flags: '--json', description: 'the entries as JSON' })
  parseJson(): boolean {
    return true;
  }
}

@Command({
  name: 'audit',
  description: 'Read the audit trail: who changed the phase, ran the migration, managed accounts',
  subCommands: [AuditListCommand],
})
export class AuditCommand extends CommandRunner {
  async run(params: string[]): Promise<void> {
    throw new CliUsageError(
      params.length > 0
        ? `unknown audit command '${params[0]}' (expected: list)`
        : 'missing audit command (expected: list)',
    );
  }
}
