import { Injectable, Logger } from '@nestjs/common';
import { reasonOf } from '../common/with-timeout';
import { AppConfig } from '../config/app-config';
import { STORE_NAMES, StoreName } from '../config/migration-phase';
import { StoreConnections } from '../database/store-connections';
import {
  AuditEntry,
  AuditRecord,
  auditIdAt,
  mergeEntries,
  auditIdTime,
  newAuditId,
  withoutSecrets,
} from './audit-entry';
import {
  AuditRange,
  AuditRecords,
  CassandraAuditRecords,
  MongoAuditRecords,
} from './audit-records';

export interface AuditQuery {
  /** entries recorded at or after this time (ms since 1970) */
  since?: number;
  /** entries older than this id (the cursor of the next older page) */
  before?: string;
  /** the newest `limit` entries of the range */
  limit?: number;
}

export interface AuditRead {
  /** oldest first */
  entries: AuditEntry[];
  /** stores that could not be read, with why (the trail may miss their entries) */
  unreadable: string[];
}

export interface AuditWrite {
  entry: AuditEntry;
  written: StoreName[];
  /** open stores without a trail (schema not migrated, MongoDB emptied by cleanup) */
  skipped: StoreName[];
  /** stores that did not take the entry, with why */
  failed: string[];
}

/** Cassandra or MongoDB answering a read of a table/collection that was never created. */
function isUnmigrated(error: unknown): boolean {
  return /unconfigured table|(keyspace|table) \S+ does not exist/i.test(reasonOf(error));
}

/**
 * Who did what, append only (there is no update and no delete). Every entry goes to every
 * store this process has open: those of the phase it serves, since a phase's stores are open
 * wherever it is served, and the other one too when it is open (copies are harmless: reads merge
 * by id). So in phase `mongo` the trail is in MongoDB, from `dual-write` on in both, and in
 * `cassandra` in Cassandra, the store that outlives the migration; `mongo cleanup` copies the
 * entries only MongoDB has into Cassandra before it drops anything.
 *
 * An entry that cannot be written is logged as an error and returned as failed, never thrown:
 * the action it records has happened already and must not look undone.
 */
@Injectable()
export class AuditTrail {
  private readonly logger = new Logger(AuditTrail.name);
  private readonly records: Record<StoreName, AuditRecords>;

  constructor(
    private readonly config: AppConfig,
    private readonly connections: StoreConnections,
    mongo: MongoAuditRecords,
    cassandra: CassandraAuditRecords,
  ) {
    this.records = { mongo, cassandra };
  }

  async record(record: AuditRecord): Promise<AuditWrite> {
    const id = newAuditId();
    const entry: AuditEntry = {
      id,
      // the id's own time, so `since` (which bounds ids) and the shown time always agree
      at: new Date(auditIdTime(id)).toISOString(),
      actor: record.actor,
      action: record.action,
      ...(record.target !== undefined && { target: record.target }),
      outcome: record.outcome,
      details: withoutSecrets(record.details ?? {}),
    };
    const stores = await this.writableStores();
    const written: StoreName[] = [];
    const skipped: StoreName[] = [];
    const failed: string[] = [];
    const append = (store: StoreName) =>
      this.records[store].append(entry).then(
        (appended) => (appended ? written : skipped).push(store),
        (error: unknown) => failed.push(`${store} (${reasonOf(error)})`),
      );
    await Promise.all(stores.map(append));
    if (written.length === 0) {
      // A CLI command opens only what it works on: `mongo restore` opens the empty MongoDB it
      // restores into, which has no trail yet, while its phase's trail is in Cassandra.
      for (const store of await this.reachable(
        STORE_NAMES.filter((other) => this.config.stores[other] && !stores.includes(other)),
      )) {
        await append(store);
      }
    }
    if (failed.length > 0 || written.length === 0) {
      this.logger.error(
        `AUDIT ENTRY NOT WRITTEN to ${failed.join(', ') || `any store (${skipped.length > 0 ? `no trail in ${skipped.join(', ')}: schema migrations pending?` : 'none is open'})`}: ${JSON.stringify(entry)}`,
      );
    }
    return { entry, written, skipped, failed };
  }

  /** The dashboard's audit tail and /admin/audit: oldest first. */
  async list(query: AuditQuery = {}): Promise<AuditEntry[]> {
    return (await this.read(query)).entries;
  }

  /** The trail as every open store has it, merged; with the stores that could not be read. */
  async read(query: AuditQuery = {}): Promise<AuditRead> {
    const range: AuditRange = {
      ...(query.since !== undefined && { from: auditIdAt(query.since) }),
      ...(query.before !== undefined && { before: query.before }),
    };
    const unreadable: string[] = [];
    const open = STORE_NAMES.filter((store) => this.connections.isOpen(store));
    const lists = await Promise.all(
      open.map((store) =>
        this.records[store].list(range, query.limit).catch((error: unknown) => {
          if (!isUnmigrated(error)) unreadable.push(`${store} (${reasonOf(error)})`);
          return [];
        }),
      ),
    );
    if (open.length === 0) unreadable.push('no store is connected');
    return { entries: mergeEntries(lists, query.limit), unreadable };
  }

  /**
   * Connects both stores for a reader that has none open (the CLI): one try each; the ones
   * that cannot be reached are returned (in phase `mongo` Cassandra may not exist yet, after
   * `mongo cleanup` MongoDB may be gone).
   */
  async openForReading(): Promise<string[]> {
    const unreachable: string[] = [];
    await Promise.all(
      STORE_NAMES.map((store) =>
        this.connections.ensure(store).catch((error: unknown) => {
          unreachable.push(`${store} (${reasonOf(error)})`);
        }),
      ),
    );
    return unreachable;
  }

  /**
   * Copies into Cassandra the entries only MongoDB has (those of phase `mongo`, or any whose
   * Cassandra write failed), before MongoDB is dropped. Returns how many were copied. Throws
   * if either store cannot be read or Cassandra does not take a copy: cleanup must stop then.
   */
  async copyMongoOnlyToCassandra(): Promise<number> {
    await Promise.all(STORE_NAMES.map((store) => this.connections.ensure(store)));
    const fromMongo = await this.records.mongo.list({}).catch((error: unknown) => {
      if (isUnmigrated(error)) return [];
      throw error;
    });
    const inCassandra = new Set((await this.records.cassandra.list({})).map((entry) => entry.id));
    const missing = fromMongo.filter((entry) => !inCassandra.has(entry.id));
    for (const entry of mergeEntries([missing])) {
      if (!(await this.records.cassandra.append(entry))) {
        throw new Error('Cassandra has no audit_log table: run `schema migrate --store cassandra`');
      }
    }
    return missing.length;
  }

  /** Open stores; with none open (a CLI command that touched no store), MIGRATION_PHASE's. */
  private async writableStores(): Promise<StoreName[]> {
    const open = STORE_NAMES.filter((store) => this.connections.isOpen(store));
    if (open.length > 0) return open;
    return this.reachable(STORE_NAMES.filter((store) => this.config.stores[store]));
  }

  /** Those of `stores` that connect (one try each); the others are reported with the entry. */
  private async reachable(stores: StoreName[]): Promise<StoreName[]> {
    const reachable: StoreName[] = [];
    for (const store of stores) {
      try {
        await this.connections.ensure(store);
        reachable.push(store);
      } catch {
        // reported with the entry as not written
      }
    }
    return reachable;
  }
}
