import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { reasonOf } from '../common/with-timeout';
import { MigrationPhase, storeNamesUsedBy, StoreName } from '../config/migration-phase';
import { CurrentPhase } from '../control/current-phase';
import { StoreConnections } from '../database/store-connections';
import { RecordDifference, ShadowKind } from './shadow-compare';
import {
  CassandraShadowRecords,
  MinuteSamples,
  MongoShadowRecords,
  ShadowMismatch,
  ShadowRecords,
} from './shadow-records';

/** What one sampled read came to; `dropped`: the queue was full, it was never read. */
export type SampleResult = 'match' | 'mismatch' | 'error' | 'dropped';

export interface SampleTotals {
  matched: number;
  mismatched: number;
  errors: number;
  dropped: number;
  /** compared samples: matched + mismatched (what the gates count) */
  compared: number;
}

/** How often an instance writes its per-minute sample counts. */
const FLUSH_EVERY_MS = 5000;
/** How long the open mismatches an instance knows of are trusted before it reads them again. */
const OPEN_CACHE_MS = 10_000;

const COLUMN: Record<SampleResult, keyof Omit<MinuteSamples, 'minute' | 'instance'>> = {
  match: 'matched',
  mismatch: 'mismatched',
  error: 'errors',
  dropped: 'dropped',
};

/**
 * The shadow reads' durable, shared record: confirmed mismatches (open until a later sample of
 * the record matches) and every instance's sample counts per minute. Written to every store the
 * phase uses, like the phase record, so each instance, the dashboard and `phase set` (the
 * gates) read the same thing whichever store they reach; readers merge what the stores hold.
 *
 * For the dashboard and the gates: `openMismatches()`, `samplesSince(date)`, `samplesByMinute()`.
 */
@Injectable()
export class ShadowLedger implements BeforeApplicationShutdown {
  private readonly logger = new Logger(ShadowLedger.name);
  private readonly records: Record<StoreName, ShadowRecords>;
  /** this process's counts per minute not yet written (cumulative within the minute) */
  private readonly minutes = new Map<string, MinuteSamples>();
  private readonly dirty = new Set<string>();
  private flushTimer?: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();
  private openCache?: { at: number; keys: Set<string> };
  readonly instance = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;

  constructor(
    private readonly phase: CurrentPhase,
    private readonly connections: StoreConnections,
    mongo: MongoShadowRecords,
    cassandra: CassandraShadowRecords,
  ) {
    this.records = { mongo, cassandra };
  }

  /** The stores a phase's shadow records live in (by default, the phase served now). */
  private storesOf(phase: MigrationPhase = this.phase.get()): StoreName[] {
    return storeNamesUsedBy(phase);
  }

  private async each<T>(stores: StoreName[], work: (records: ShadowRecords) => Promise<T>) {
    return Promise.all(
      stores.map(async (store) => {
        await this.connections.ensure(store);
        return work(this.records[store]);
      }),
    );
  }

  /**
   * The mismatches still open, newest first: for a record found in several stores, the newest
   * state wins (a close written to one store while the other was down still counts).
   */
  async openMismatches(stores: StoreName[] = this.storesOf()): Promise<ShadowMismatch[]> {
    const found = (await this.each(stores, (records) => records.readOpen())).flat();
    const byKey = new Map<string, ShadowMismatch>();
    for (const mismatch of found) {
      const known = byKey.get(mismatch.key);
      if (!known || known.last_seen < mismatch.last_seen) byKey.set(mismatch.key, mismatch);
    }
    // a record open in one store may have been closed in the other
    const open: ShadowMismatch[] = [];
    for (const mismatch of byKey.values()) {
      const states = await this.each(stores, (records) => records.readMismatch(mismatch.key));
      if (states.every((state) => !state?.closed_at)) open.push(mismatch);
    }
    return open.sort((a, b) => b.last_seen.localeCompare(a.last_seen));
  }

  /** Every instance's sample counts since `since`, minute by minute (this one's written first). */
  async samplesByMinute(
    since: Date,
    stores: StoreName[] = this.storesOf(),
  ): Promise<MinuteSamples[]> {
    await this.flush();
    const found = (await this.each(stores, (records) => records.readSamples(since))).flat();
    const rows = new Map<string, MinuteSamples>();
    for (const row of found) {
      const key = `${row.minute}|${row.instance}`;
      const known = rows.get(key);
      // the same cumulative row in two stores, one maybe behind: the larger counts
      if (!known || total(row) > total(known)) rows.set(key, row);
    }
    return [...rows.values()].sort((a, b) => a.minute.localeCompare(b.minute));
  }

  /** Every instance's samples since `since`, summed (floored to its minute). */
  async samplesSince(since: Date, stores: StoreName[] = this.storesOf()): Promise<SampleTotals> {
    const floor = new Date(Math.floor(since.getTime() / 60_000) * 60_000);
    const rows = await this.samplesByMinute(floor, stores);
    const sum = { matched: 0, mismatched: 0, errors: 0, dropped: 0, compared: 0 };
    for (const row of rows) {
      sum.matched += row.matched;
      sum.mismatched += row.mismatched;
      sum.errors += row.errors;
      sum.dropped += row.dropped;
    }
    sum.compared = sum.matched + sum.mismatched;
    return sum;
  }

  /** Counts one sample of this instance; written within FLUSH_EVERY_MS. */
  count(result: SampleResult, at = new Date()): void {
    const minute = new Date(Math.floor(at.getTime() / 60_000) * 60_000).toISOString();
    let row = this.minutes.get(minute);
    if (!row) {
      row = { minute, instance: this.instance, matched: 0, mismatched: 0, errors: 0, dropped: 0 };
      this.minutes.set(minute, row);
    }
    row[COLUMN[result]]++;
    this.dirty.add(minute);
    // only a process that samples runs the timer (the CLI never does)
    this.flushTimer ??= setInterval(() => void this.flush(), FLUSH_EVERY_MS).unref();
  }

  /** Writes this instance's counts not yet written; a failure is retried at the next flush. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      if (this.dirty.size === 0) return;
      const rows = [...this.dirty].map((minute) => ({ ...this.minutes.get(minute)! }));
      this.dirty.clear();
      try {
        await this.each(this.storesOf(), (records) => records.writeSamples(rows));
      } catch (error) {
        for (const row of rows) this.dirty.add(row.minute);
        this.logger.warn(`shadow sample counts not written (retried): ${reasonOf(error)}`);
      }
      // minutes older than an hour are never counted again by this instance
      const old = new Date(Date.now() - 3_600_000).toISOString();
      for (const minute of this.minutes.keys()) {
        if (minute < old && !this.dirty.has(minute)) this.minutes.delete(minute);
      }
    });
    return this.flushing;
  }

  /** Records confirmed mismatches (open, or open again) in the stores of `phase`. */
  async recordMismatches(
    phase: MigrationPhase,
    kind: ShadowKind,
    page: string,
    stores: { primary: StoreName; secondary: StoreName },
    found: RecordDifference[],
  ): Promise<void> {
    const now = new Date().toISOString();
    for (const difference of found) {
      const key = `${kind}:${difference.id}`;
      const [known] = await this.each([stores.primary], (records) => records.readMismatch(key));
      const open = known && !known.closed_at ? known : undefined;
      const mismatch: ShadowMismatch = {
        key,
        kind,
        id: difference.id,
        fields: difference.fields,
        page,
        phase,
        primary: stores.primary,
        secondary: stores.secondary,
        first_seen: open?.first_seen ?? now,
        last_seen: now,
        confirmations: (open?.confirmations ?? 0) + 1,
      };
      await this.each(this.storesOf(phase), (records) => records.writeMismatch(mismatch));
      this.openCache?.keys.add(key);
    }
  }

  /**
   * Closes the open mismatches among `ids` (a sample of them matched). Reads the open ones at
   * most every OPEN_CACHE_MS, so a matching sample costs no store read when none is open.
   */
  async closeMatched(phase: MigrationPhase, kind: ShadowKind, ids: string[]): Promise<string[]> {
    const open = await this.openKeys(phase);
    const closing = ids.map((id) => `${kind}:${id}`).filter((key) => open.has(key));
    const stores = this.storesOf(phase);
    for (const key of closing) {
      const states = await this.each(stores, (records) => records.readMismatch(key));
      const known = states.find((state) => state !== undefined);
      open.delete(key);
      if (!known) continue;
      const closed = { ...known, closed_at: new Date().toISOString() };
      await this.each(stores, (records) => records.writeMismatch(closed));
      this.logger.log(`shadow mismatch closed: ${key} (a new sample matches)`);
    }
    return closing;
  }

  private async openKeys(phase: MigrationPhase): Promise<Set<string>> {
    if (!this.openCache || Date.now() - this.openCache.at > OPEN_CACHE_MS) {
      const open = await this.openMismatches(this.storesOf(phase));
      this.openCache = { at: Date.now(), keys: new Set(open.map((mismatch) => mismatch.key)) };
    }
    return this.openCache.keys;
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.flushTimer) clearInterval(this.flushTimer);
    await this.flush();
  }
}

function total(row: MinuteSamples): number {
  return row.matched + row.mismatched + row.errors + row.dropped;
}
