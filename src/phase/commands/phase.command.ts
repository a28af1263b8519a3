import { Command, CommandRunner, Option, SubCommand } from 'nest-commander';
import { parseInterval } from '../../config/app-config';
import { MIGRATION_PHASES, isMigrationPhase } from '../../config/migration-phase';
import { CliUsageError, rejectExtraArguments } from '../../cli/cli-usage';
import { cliActor, PhaseControl } from '../../control/phase-control';
import { EffectivePhase, PhaseRecord, describeInstance, stepsOf } from '../../control/phase-record';
import { checkLine, PhaseStepError, PhaseSwitch, refusal } from '../phase-switch';

const DEFAULT_WAIT_MS = 60_000;
/** Steps of the phase history `phase show` lists (all of them are in --json). */
const SHOWN_STEPS = 5;

function describePhase(effective: EffectivePhase): string {
  const record = effective.record;
  if (!record) return `${effective.phase} (from MIGRATION_PHASE: no phase has been set yet)`;
  const forced = record.forced ? ', WITH --force' : '';
  return `${record.phase} (set ${record.set_at} by ${record.set_by}, from ${record.previous}${forced})`;
}

/** `phase show`: the phase, who set it, the instances, and each next phase's gate. */
@SubCommand({ name: 'show', description: 'Show the phase, the app instances and the gates' })
export class PhaseShowCommand extends CommandRunner {
  constructor(
    private readonly control: PhaseControl,
    private readonly phaseSwitch: PhaseSwitch,
  ) {
    super();
  }

  async run(params: string[], flags: { json?: boolean }): Promise<void> {
    rejectExtraArguments('phase show', params);
    const { current, next } = await this.phaseSwitch.overview();
    const instances = await this.control.instances();
    if (flags.json) {
      const json = { phase: current.phase, record: current.record ?? null, instances, next };
      process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
      return;
    }
    const steps = stepsOf(current.record).slice(-SHOWN_STEPS);
    const lines = [
      `phase: ${describePhase(current)}`,
      ...(steps.length > 1
        ? [
            `last ${steps.length} steps:`,
            ...steps.map(
              (step) =>
                `  ${step.at} ${step.from} → ${step.to} by ${step.by}${step.forced ? ' WITH --force' : ''}`,
            ),
          ]
        : []),
      `app instances: ${instances.length}`,
      ...instances.map((report) => `  ${describeInstance(report)}`),
      'next:',
      ...next.flatMap(({ phase, open, checks }) => [
        `  ${phase}: ${checks.length === 0 ? 'no gate' : open ? 'gate open' : 'gate closed'}`,
        ...checks.map(checkLine),
      ]),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  }

  @Option({ flags: '--json', description: 'print as JSON' })
  parseJson(): boolean {
    return true;
  }
}

interface SetFlags {
  force?: boolean;
  wait?: number;
}

/** `phase set <phase> [--force] [--wait 60s]`: checks the gate, writes the record, waits. */
@SubCommand({
  name: 'set',
  arguments: '<phase>',
  description: `Move every app instance to another phase (${MIGRATION_PHASES.join(', ')})`,
})
export class PhaseSetCommand extends CommandRunner {
  constructor(private readonly phaseSwitch: PhaseSwitch) {
    super();
  }

  async run(params: string[], flags: SetFlags): Promise<void> {
    const [target, ...extra] = params;
    rejectExtraArguments('phase set <phase>', extra);
    if (!isMigrationPhase(target)) {
      throw new CliUsageError(
        `phase set takes one of ${MIGRATION_PHASES.join(', ')} (got '${target ?? ''}')`,
      );
    }
    const wait = flags.wait ?? DEFAULT_WAIT_MS;
    const outcome = await this.phaseSwitch
      .set({
        target,
        force: flags.force === true,
        hintWaitMs: wait,
        actor: cliActor(),
        onProgress: (line) => process.stderr.write(`${line}\n`),
      })
      .catch((error: unknown) => {
        throw error instanceof PhaseStepError ? new CliUsageError(error.message) : error;
      });
    if (outcome.status === 'unchanged') {
      process.stdout.write(`phase is already ${target}; nothing changed\n`);
      return;
    }
    if (outcome.status === 'refused') throw new Error(refusal(outcome));
    const { record, skipped } = outcome;
    process.stdout.write(`phase set: ${outcome.from} → ${target} (version ${record.version})\n`);
    for (const store of skipped) {
      process.stderr.write(`warning: the record could not be written to ${store}\n`);
    }
    await this.waitForInstances(record, wait);
  }

  /** Until every live instance serves the new phase with nothing left on the old one. */
  private async waitForInstances(record: PhaseRecord, waitMs: number): Promise<void> {
    const {
      reports,
      behind,
      seconds: waited,
    } = await this.phaseSwitch.waitForInstances(record, waitMs);
    const count = reports.length;
    const seconds = waited.toFixed(1);
    if (behind.length === 0) {
      process.stdout.write(
        count === 0
          ? 'no app instance is running\n'
          : `all ${count} app instance(s) serve ${record.phase} (after ${seconds} s)\n`,
      );
      return;
    }
    if (waitMs === 0) {
      process.stdout.write(
        `not waiting: ${behind.length} of ${count} instance(s) still to follow\n`,
      );
      return;
    }
    throw new Error(
      `phase ${record.phase} is set, but after ${seconds} s ${behind.length} of ${count} instance(s) do not serve it: ${behind.map(describeInstance).join('; ')}`,
    );
  }

  @Option({ flags: '--force', description: 'skip the gate (logged, and recorded in the phase)' })
  parseForce(): boolean {
    return true;
  }

  @Option({
    flags: '--wait <duration>',
    description:
      'how long to wait for pending hints to drain before the switch, and for every app instance to follow after it (default 60s; 0: do not wait)',
  })
  parseWait(raw: string): number {
    const ms = parseInterval(raw);
    if (typeof ms !== 'number' || Number.isNaN(ms)) {
      throw new CliUsageError(`--wait must be 0 or a duration like 30s, 2m or 1h (got '${raw}')`);
    }
    return ms;
  }
}

/** `phase`: the parent of the phase commands. */
@Command({
  name: 'phase',
  description: 'Show or change the migration phase of every app instance',
  subCommands: [PhaseShowCommand, PhaseSetCommand],
})
export class PhaseCommand extends CommandRunner {
  async run(): Promise<void> {
    this.command.help();
  }
}
