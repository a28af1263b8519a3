import { Injectable, Logger } from '@nestjs/common';
import { sleep } from '../../common/sleep';
import { StopWhen, stopIf } from '../../common/stop';
import { StoreName } from '../../config/migration-phase';
import { MigrationState } from '../../control/migration-state';
import { BlogMetrics } from '../../metrics/blog-metrics';
import { Replica, SeenEntry, VerifySink } from '../../store/replica';
import { Replicas } from '../../store/replicas';
import { BUCKETS, bucketOf } from './buckets';
import { DigestSink, DrillEntry, DrillSink } from './verify-sinks';

/** One record (or derived row set) that differs, named by id. */
export interface Difference {
  /** the record kind's name (`post`, `comment`), or what a store's own channel names */
  entity: string;
  id: string;
  /**
   * missing: the source has it and `where` lacks it; extra: `where` has it and must not;
   * different: both have it with different content (or a different number of rows).
   */
  kind: 'missing' | 'extra' | 'different';
  /** the target store for the stores' comparison, or the table of a store's own derived rows */
  where: string;
}

export interface VerifyReport {
  source: StoreName;
  target: StoreName;
  clean: boolean;
  /** records read in each store, per kind (`{ mongo: { posts, comments } }`) */
  records: Record<string, Record<string, number>>;
  /** rows of the stores' query tables checked against their base records */
  derived_rows: number;
  /** buckets whose digests differed (of 4096) */
  differing_buckets: number;
  /** differences seen on the first look; only those still there after the recheck are reported */
  suspects: number;
  differences: Difference[];
  seconds: number;
  finished_at: string;
}

/** The outcome of the last verify, kept in migration_state for `phase show`. */
export interface LastVerify {
  source: StoreName;
  target: StoreName;
  clean: boolean;
  differences: number;
  /** differences per kind (the entity they name); absent in records older than the metrics */
  by_kind?: Record<string, number>;
  finished_at: string;
}

const LAST_VERIFY = 'verify:last';

/** How many differences name each entity (a kind, or a store's own channel). */
export function countByKind(differences: readonly Difference[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { entity } of differences) counts[entity] = (counts[entity] ?? 0) + 1;
  return counts;
}

/** What a repair needs besides the report: every row the scans found of each differing record. */
export type SeenIndex = Map<string, Partial<Record<StoreName, SeenEntry[]>>>;

export const seenKey = (entity: string, id: string) => `${entity}:${id}`;

export interface VerifyOptions {
  /** how long to wait before looking at suspects again (live writes in flight settle) */
  recheckDelayMs: number;
  /** drill into at most this many records per pass (bounds memory when much differs) */
  maxDrillEntries?: number;
  /** asked while the stores are read: true ends the verify with a StoppedError */
  stop?: StopWhen;
  /**
   * Before the recheck, after the delay: waits for copies known to be on their way (a gate:
   * the pending hints drained), so a record whose copy was hinted is not reported.
   */
  settle?: () => Promise<unknown>;
}

/** What a drill needs besides the buckets. */
interface DrillOptions {
  /** the digest pass's counts, to split the drill into passes of at most maxEntries records */
  digests?: DigestSink;
  maxEntries?: number;
  stop?: StopWhen;
}

export type FoundDifference = Difference & { channel: string };

export interface DrillResult {
  differences: FoundDifference[];
  seen: SeenIndex;
}

/** A verify channel as the comparison sees it. */
interface ChannelInfo {
  /** the entity its differences name */
  entity: string;
  /** compares the two stores (a kind's records), else a store's own derived data */
  cross: boolean;
  /** counts as derived rows in the report */
  rows: boolean;
}

/**
 * Compares two stores record by record, by content hash, for every declared record kind: first
 * one digest per bucket of ids (both stores scanned side by side, memory fixed), then, only for
 * buckets that differ, the records themselves; every difference found is looked at again after a
 * short delay, so writes in flight during the scan are not reported. Each store also checks its
 * own derived data (query tables, stored sort keys) against its records on the same pass.
 */
@Injectable()
export class VerifyService {
  private readonly logger = new Logger(VerifyService.name);

  constructor(
    private readonly replicas: Replicas,
    private readonly state: MigrationState,
    private readonly metrics: BlogMetrics,
  ) {}

  /** The outcome of the last verify anyone ran (the CLI, a gate, a reconcile). */
  last(): Promise<LastVerify | undefined> {
    return this.state.get<LastVerify>(LAST_VERIFY);
  }

  async verify(
    source: Replica,
    target: Replica,
    options: VerifyOptions,
  ): Promise<{ report: VerifyReport; seen: SeenIndex; digests: DigestSink }> {
    const started = Date.now();
    const channels = this.channels(source, target);
    const digests = new DigestSink();
    await this.scan(source, target, digests, options.stop);
    const buckets = new Set<number>();
    for (const [channel, info] of channels) {
      const [a, b] = roles(info, source, target);
      for (const bucket of digests.differing(channel, a, b)) buckets.add(bucket);
    }

    let suspects: DrillResult = { differences: [], seen: new Map() };
    let confirmed = suspects;
    if (buckets.size > 0) {
      suspects = await this.drill(source, target, buckets, {
        digests,
        maxEntries: options.maxDrillEntries,
        stop: options.stop,
      });
      if (suspects.differences.length > 0) {
        this.logger.log(
          `${suspects.differences.length} records differ; looking again in ${options.recheckDelayMs} ms`,
        );
        confirmed = await this.recheck(source, target, suspects, digests, options);
      }
    }

    const differences = confirmed.differences
      .map(({ entity, id, kind, where }) => ({ entity, id, kind, where }))
      .sort((x, y) => (x.entity + x.id + x.where).localeCompare(y.entity + y.id + y.where));
    const kinds = this.replicas.kinds.all;
    const records = Object.fromEntries(
      [source, target].map((side) => [
        side.name,
        Object.fromEntries(kinds.map((kind) => [kind.plural, digests.total(kind.name, side.name)])),
      ]),
    );
    const derived = [...channels]
      .filter(([, info]) => info.rows)
      .reduce((n, [channel]) => n + digests.total(channel, 'actual'), 0);
    const report: VerifyReport = {
      source: source.name,
      target: target.name,
      clean: differences.length === 0,
      records,
      derived_rows: derived,
      differing_buckets: buckets.size,
      suspects: suspects.differences.length,
      differences,
      seconds: (Date.now() - started) / 1000,
      finished_at: new Date().toISOString(),
    };
    await this.record(report);
    this.showDifferences(differences);
    return { report, seen: confirmed.seen, digests };
  }

  /**
   * blog_verify_differences: what the last comparison left, per kind (every declared kind
   * present, 0 when clean; a store's own derived data under its channel's entity). A reconcile
   * shows what remained after its repairs.
   */
  showDifferences(differences: readonly Difference[] | Record<string, number>): void {
    const counts = Array.isArray(differences) ? countByKind(differences) : differences;
    const gauge = this.metrics.verifyDifferences;
    gauge.reset();
    for (const kind of this.replicas.kinds.all) gauge.set({ kind: kind.name }, 0);
    for (const [kind, count] of Object.entries(counts)) gauge.set({ kind }, count);
  }

  private async record(report: VerifyReport): Promise<void> {
    const { source, target, clean, finished_at } = report;
    const last: LastVerify = {
      source,
      target,
      clean,
      differences: report.differences.length,
      by_kind: countByKind(report.differences),
      finished_at,
    };
    await this.state
      .put(LAST_VERIFY, last)
      .catch((error: unknown) =>
        this.logger.warn(`recording the verify outcome failed: ${String(error)}`),
      );
  }

  /**
   * The differences of `suspects` still there after `recheckDelayMs`: a live write whose copy
   * was in flight when they were read has landed by then.
   */
  async recheck(
    source: Replica,
    target: Replica,
    suspects: DrillResult,
    digests: DigestSink,
    options: VerifyOptions,
  ): Promise<DrillResult> {
    if (suspects.differences.length === 0) return suspects;
    await sleep(options.recheckDelayMs);
    await options.settle?.();
    const again = await this.drill(
      source,
      target,
      new Set(suspects.differences.map((d) => bucketOf(d.id, BUCKETS))),
      { digests, maxEntries: options.maxDrillEntries, stop: options.stop },
    );
    const first = new Set(suspects.differences.map((d) => `${d.channel}|${d.id}`));
    return {
      differences: again.differences.filter((d) => first.has(`${d.channel}|${d.id}`)),
      seen: again.seen,
    };
  }

  /**
   * Reads every record of the given buckets from both stores (in passes of at most
   * `maxEntries` records when a digest pass says how many there are) and lists the differences.
   */
  async drill(
    source: Replica,
    target: Replica,
    buckets: ReadonlySet<number>,
    { digests, maxEntries = 200_000, stop }: DrillOptions = {},
  ): Promise<DrillResult> {
    const result: DrillResult = { differences: [], seen: new Map() };
    const channels = this.channels(source, target);
    for (const group of this.groups([...buckets], digests, maxEntries)) {
      const sink = new DrillSink(new Set(group));
      await this.scan(source, target, sink, stop);
      this.compare(sink, channels, source, target, result);
    }
    return result;
  }

  /** The kinds' channels, then each store's own. */
  private channels(source: Replica, target: Replica): Map<string, ChannelInfo> {
    const channels = new Map<string, ChannelInfo>();
    for (const kind of this.replicas.kinds.all) {
      channels.set(kind.name, { entity: kind.name, cross: true, rows: false });
    }
    for (const side of [source, target]) {
      for (const own of side.ownChannels()) {
        channels.set(own.name, { entity: own.entity, cross: false, rows: own.rows });
      }
    }
    return channels;
  }

  /** Both stores read side by side into the sink; `stop` is asked at every record. */
  private async scan(
    source: Replica,
    target: Replica,
    sink: VerifySink,
    stop?: StopWhen,
  ): Promise<void> {
    stopIf(stop, 'verify');
    const into: VerifySink = stop
      ? {
          keepsRows: sink.keepsRows,
          add: (...record) => {
            stopIf(stop, 'verify');
            sink.add(...record);
          },
        }
      : sink;
    const kinds = this.replicas.kinds.all.map((kind) => kind.name);
    await Promise.all(
      [source, target].map((side) =>
        side.verifyScan(into, new Set([...kinds, ...side.ownChannels().map((c) => c.name)])),
      ),
    );
  }

  private compare(
    sink: DrillSink,
    channels: Map<string, ChannelInfo>,
    source: Replica,
    target: Replica,
    result: DrillResult,
  ): void {
    const differing = new Set<string>();
    for (const [channel, byId] of sink.byChannel) {
      const info = channels.get(channel);
      if (!info) continue;
      const [a, b] = roles(info, source, target);
      for (const [id, entries] of byId) {
        const left = hashes(entries, a);
        const right = hashes(entries, b);
        if (left.join() === right.join()) continue;
        const kind = left.length === 0 ? 'extra' : right.length === 0 ? 'missing' : 'different';
        const where = info.cross ? target.name : channel;
        result.differences.push({ entity: info.entity, id, kind, where, channel });
        differing.add(seenKey(info.entity, id));
      }
    }
    // keep the rows of differing records only, from every channel of their entity
    for (const [channel, byId] of sink.byChannel) {
      const info = channels.get(channel);
      if (!info) continue;
      for (const [id, entries] of byId) {
        const key = seenKey(info.entity, id);
        if (!differing.has(key)) continue;
        let bySide = result.seen.get(key);
        if (!bySide) result.seen.set(key, (bySide = {}));
        for (const entry of entries) {
          const side = sideOf(channel, entry);
          if (!side || !entry.seen) continue;
          (bySide[side] ??= []).push({ hash: entry.hash, row: entry.seen });
        }
      }
    }
  }

  /** Splits buckets into passes of at most `max` records (one pass without a size estimate). */
  private groups(buckets: number[], digests: DigestSink | undefined, max: number): number[][] {
    if (!digests) return [buckets];
    const groups: number[][] = [];
    let current: number[] = [];
    let size = 0;
    for (const bucket of buckets) {
      const n = digests.entriesIn(bucket);
      if (current.length > 0 && size + n > max) {
        groups.push(current);
        current = [];
        size = 0;
      }
      current.push(bucket);
      size += n;
    }
    if (current.length > 0) groups.push(current);
    return groups;
  }
}

function roles(info: ChannelInfo, source: Replica, target: Replica): [string, string] {
  return info.cross ? [source.name, target.name] : ['expected', 'actual'];
}

/** Which store a drilled entry is a row of (expected rows are computed, not stored). */
function sideOf(channel: string, entry: DrillEntry): StoreName | undefined {
  if (entry.role === 'mongo' || entry.role === 'cassandra') return entry.role;
  if (entry.role === 'actual') return channel.split('.')[0] as StoreName;
  return undefined;
}

function hashes(entries: DrillEntry[], role: string): string[] {
  return entries
    .filter((e) => e.role === role)
    .map((e) => e.hash)
    .sort();
}
