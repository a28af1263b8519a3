import { Injectable, Logger } from '@nestjs/common';
import { hostname, userInfo } from 'node:os';
import { AppConfig } from '../config/app-config';
import {
  MigrationPhase,
  STORE_NAMES,
  StoreName,
  nextPhases,
  recordStoresOf,
  storeNamesUsedBy,
} from '../config/migration-phase';
import { reasonOf, withTimeout } from '../common/with-timeout';
import { StoreConnections } from '../database/store-connections';
import {
  EffectivePhase,
  follows,
  InstanceReport,
  PHASE_HISTORY_STEPS,
  PhaseRecord,
  PhaseStep,
  stepsOf,
} from './phase-record';
import { CassandraPhaseRecords, MongoPhaseRecords, PhaseRecords } from './phase-records';

interface ReadOptions {
  /** tries per store to connect (boot retries) */
  attempts?: number;
  /** give up on a store's answer after this long */
  timeoutMs?: number;
  /** start from these stores only (a follower: the record stores of its phase), not from the
   *  open ones and those MIGRATION_PHASE uses */
  from?: StoreName[];
}

/** The phase cannot be known: a store that may hold the newest record is unreachable. */
export class PhaseUnknownError extends Error {
  constructor(
    /** the phase the records read so far point to */
    readonly phase: MigrationPhase,
    readonly failures: string[],
  ) {
    super(`cannot read the phase (${phase} so far): ${failures.join('; ')}`);
    this.name = 'PhaseUnknownError';
  }
}

function newestOf(records: PhaseRecord[]): PhaseRecord | undefined {
  return records.reduce<PhaseRecord | undefined>(
    (newest, record) => (!newest || record.version > newest.version ? record : newest),
    undefined,
  );
}

/** Cassandra answers a query on a table (or keyspace) that was never created with this. */
function isUnmigrated(error: unknown): boolean {
  return /unconfigured table|(keyspace|table) \S+ does not exist/i.test(reasonOf(error));
}

/**
 * Reads and writes the phase control record. `phase set` writes it into every store the new
 * phase uses (required) and, best effort, into the other; readers take the newest they find.
 * Since a phase only ever moves one step, the newest record is always in the record store of the
 * phase of any older record (`recordStoresOf`), so following the records store by store finds it
 * (see `read`).
 */
@Injectable()
export class PhaseControl {
  private readonly logger = new Logger(PhaseControl.name);
  private readonly records: Record<StoreName, PhaseRecords>;

  constructor(
    private readonly config: AppConfig,
    private readonly connections: StoreConnections,
    mongo: MongoPhaseRecords,
    cassandra: CassandraPhaseRecords,
  ) {
    this.records = { mongo, cassandra };
  }

  /**
   * The newest record, reading the stores already open and those MIGRATION_PHASE uses (or only
   * `from`), then the record stores of each newer record's phase, until no new store comes up.
   * Fails only if a record store of the resulting phase could not be read: a newer record may
   * be there. `attempts` is per store.
   */
  async read(options: ReadOptions = {}): Promise<EffectivePhase> {
    const found: PhaseRecord[] = [];
    const tried = new Set<StoreName>();
    const failures = new Map<StoreName, string>();
    const want = new Set<StoreName>(
      options.from ?? [
        ...STORE_NAMES.filter((store) => this.connections.isOpen(store)),
        ...storeNamesUsedBy(this.config.migrationPhase),
      ],
    );
    let phase = this.config.migrationPhase;
    for (;;) {
      const next = [...want].filter((store) => !tried.has(store));
      if (next.length === 0) break;
      await Promise.all(
        next.map(async (store) => {
          tried.add(store);
          try {
            const record = await this.readStore(store, options);
            if (record) found.push(record);
          } catch (error) {
            failures.set(store, reasonOf(error));
          }
        }),
      );
      phase = newestOf(found)?.phase ?? this.config.migrationPhase;
      for (const store of recordStoresOf(phase)) want.add(store);
    }
    const missing = recordStoresOf(phase).filter((store) => failures.has(store));
    if (missing.length > 0) {
      throw new PhaseUnknownError(
        phase,
        missing.map((store) => `${store}: ${failures.get(store)}`),
      );
    }
    return { phase, record: newestOf(found) };
  }

  private async readStore(
    store: StoreName,
    options: ReadOptions,
  ): Promise<PhaseRecord | undefined> {
    await this.connections.ensure(store, options.attempts);
    const reading = this.records[store].readPhase().catch((error: unknown) => {
      if (isUnmigrated(error)) return undefined; // no schema yet, so no record either
      throw error;
    });
    return options.timeoutMs ? withTimeout(reading, options.timeoutMs, store) : reading;
  }

  /**
   * Writes a record moving to `phase` from `current`. The stores `phase` uses must all take it
   * (else it throws, and a repeated `phase set` writes a newer one); the other store gets it if
   * reachable, so no reader there keeps an older record. Returns the record and the stores
   * that did not get it.
   */
  async write(
    phase: MigrationPhase,
    current: EffectivePhase,
    forced: boolean,
    setBy = cliActor(),
  ): Promise<{ record: PhaseRecord; skipped: string[] }> {
    const setAt = new Date().toISOString();
    const step: PhaseStep = { from: current.phase, to: phase, at: setAt, by: setBy, forced };
    const record: PhaseRecord = {
      phase,
      previous: current.phase,
      version: Math.max(Date.now(), (current.record?.version ?? 0) + 1),
      set_at: setAt,
      set_by: setBy,
      forced,
      history: [...stepsOf(current.record), step].slice(-PHASE_HISTORY_STEPS),
    };
    const required = storeNamesUsedBy(phase);
    await Promise.all(required.map((store) => this.connections.ensure(store)));
    try {
      await Promise.all(required.map((store) => this.records[store].writePhase(record)));
    } catch (error) {
      throw new Error(
        `writing the phase record failed (${reasonOf(error)}); it may be in some stores only: run the same phase set again`,
      );
    }
    const skipped: string[] = [];
    for (const store of STORE_NAMES.filter((candidate) => !required.includes(candidate))) {
      try {
        await this.connections.ensure(store);
        await this.records[store].writePhase(record);
      } catch (error) {
        skipped.push(`${store} (${reasonOf(error)})`);
      }
    }
    return { record, skipped };
  }

  /** Every live instance's newest report, from the stores that are open. */
  async instances(): Promise<InstanceReport[]> {
    const open = STORE_NAMES.filter((store) => this.connections.isOpen(store));
    const reports = await Promise.all(
      open.map((store) =>
        this.records[store].readInstances().catch((error: unknown) => {
          if (isUnmigrated(error)) return [];
          this.logger.warn(`reading instance reports from ${store} failed: ${reasonOf(error)}`);
          return [];
        }),
      ),
    );
    const newest = new Map<string, InstanceReport>();
    for (const report of reports.flat()) {
      const known = newest.get(report.id);
      if (!known || known.seen_at < report.seen_at) newest.set(report.id, report);
    }
    return [...newest.values()].sort((a, b) => a.id.localeCompare(b.id));
  }

  /** The live instances that do not serve `phase` yet, are still draining, or are blocked. */
  async lagging(phase: MigrationPhase): Promise<InstanceReport[]> {
    return (await this.instances()).filter((report) => !follows(report, phase));
  }

  /** Writes an instance's report into every open store; failures are the caller's to log. */
  async report(report: InstanceReport, ttlSeconds: number, timeoutMs: number): Promise<void> {
    const open = STORE_NAMES.filter((store) => this.connections.isOpen(store));
    await Promise.all(
      open.map((store) =>
        withTimeout(this.records[store].writeInstance(report, ttlSeconds), timeoutMs, store),
      ),
    );
  }

  async forget(id: string): Promise<void> {
    const open = STORE_NAMES.filter((store) => this.connections.isOpen(store));
    await Promise.allSettled(open.map((store) => this.records[store].removeInstance(id)));
  }
}

/** Who runs this process, as the audit trail and the phase record name a CLI user. */
export function cliActor(): string {
  return `cli:${safeUser()}@${hostname()}`;
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

export { nextPhases, recordStoresOf };
