import { MigrationPhase } from '../config/migration-phase';
import { PhaseRecord } from './phase-record';

/**
 * The migration phase this process serves right now: the one value the PostStore router asks.
 * It starts as MIGRATION_PHASE; PhaseModule moves it to the newest phase control record at boot
 * and, in the app, whenever `phase set` writes a new one.
 */
export class CurrentPhase {
  private value: MigrationPhase;
  private followed?: PhaseRecord;

  /** `onChange` hears every phase served, the first included (the metrics' phase gauge). */
  constructor(
    initial: MigrationPhase,
    private readonly onChange: (phase: MigrationPhase) => void = () => undefined,
  ) {
    this.value = initial;
    onChange(initial);
  }

  get(): MigrationPhase {
    return this.value;
  }

  /** The control record the phase came from (undefined: MIGRATION_PHASE, no record exists). */
  get record(): PhaseRecord | undefined {
    return this.followed;
  }

  set(phase: MigrationPhase, record?: PhaseRecord): void {
    this.value = phase;
    this.followed = record;
    this.onChange(phase);
  }
}
