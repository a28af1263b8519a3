import { StoreName } from '../../src/config/migration-phase';
import { MinuteSamples, ShadowMismatch, ShadowRecords } from '../../src/shadow/shadow-records';

/** One store's shadow-read records in memory (controller tier): same contract, no database. */
export class MemoryShadowRecords extends ShadowRecords {
  readonly mismatches = new Map<string, ShadowMismatch>();
  readonly samples = new Map<string, MinuteSamples>();

  constructor(readonly store: StoreName) {
    super();
  }

  async readOpen(): Promise<ShadowMismatch[]> {
    return [...this.mismatches.values()].filter((m) => !m.closed_at).map((m) => structuredClone(m));
  }

  async readMismatch(key: string): Promise<ShadowMismatch | undefined> {
    const found = this.mismatches.get(key);
    return found && structuredClone(found);
  }

  async writeMismatch(mismatch: ShadowMismatch): Promise<void> {
    this.mismatches.set(mismatch.key, structuredClone(mismatch));
  }

  async readSamples(since: Date): Promise<MinuteSamples[]> {
    return [...this.samples.values()]
      .filter((row) => row.minute >= since.toISOString())
      .map((row) => structuredClone(row));
  }

  async writeSamples(rows: MinuteSamples[]): Promise<void> {
    for (const row of rows) this.samples.set(`${row.minute}|${row.instance}`, structuredClone(row));
  }

  clear(): void {
    this.mismatches.clear();
    this.samples.clear();
  }
}
