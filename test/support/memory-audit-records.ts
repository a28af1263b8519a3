import { AuditEntry } from '../../src/audit/audit-entry';
import { AuditRange, AuditRecords } from '../../src/audit/audit-records';
import { StoreName } from '../../src/config/migration-phase';

/** One store's audit trail in memory (controller tier and unit tests): same contract, no database. */
export class MemoryAuditRecords extends AuditRecords {
  readonly entries: AuditEntry[] = [];
  /** set to make appends fail (a store that is down) */
  failing?: Error;

  constructor(readonly store: StoreName) {
    super();
  }

  async append(entry: AuditEntry): Promise<boolean> {
    if (this.failing) throw this.failing;
    this.entries.push(structuredClone(entry));
    return true;
  }

  async list(range: AuditRange, limit?: number): Promise<AuditEntry[]> {
    if (this.failing) throw this.failing;
    const inRange = this.entries
      .filter(
        (entry) =>
          (range.from === undefined || entry.id >= range.from) &&
          (range.before === undefined || entry.id < range.before),
      )
      .sort((a, b) => (a.id < b.id ? 1 : -1));
    return limit === undefined ? inRange : inRange.slice(0, limit);
  }

  clear(): void {
    this.entries.length = 0;
  }
}
