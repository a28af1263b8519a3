import { Injectable, Logger } from '@nestjs/common';
import { sleep } from '../../common/sleep';
import { reasonOf } from '../../common/with-timeout';
import { StoreName } from '../../config/migration-phase';
import { Leases } from '../../control/lease';
import { MigrationState } from '../../control/migration-state';
import { RecordKind } from '../../kinds/record-kind';
import { Replica, ScanPage } from '../../store/replica';
import { Replicas } from '../../store/replicas';
import { retryTransient } from '../../store/store-errors';
import { Progress, quietProgress } from './progress';

export interface BackfillOptions {
  /** records written at the same time */
  concurrency: number;
  /** at most this many records per second (undefined: as fast as the stores go) */
  rate?: number;
  /** forget the checkpoint and copy everything again */
  restart: boolean;
  /** only count what would be copied */
  dryRun: boolean;
  /** records read from the source per page (the checkpoint moves page by page) */
  pageSize?: number;
  progress?: Progress;
  /** how long to wait for another run's lease to end (default: one lease lifetime and a bit) */
  leaseWaitMs?: number;
}

/**
 * The durable state of one direction's backfill, saved in the migration state as it goes. Its
 * stages are every record kind in order (named by the kind's plural: `posts`, `comments`), then
 * the deletions of the kinds that keep them (named by their DeletionsSpec: `deletions`), then
 * `done`; the records each stage copied over every run are kept under the stage's name.
 */
export interface BackfillCheckpoint {
  source: StoreName;
  target: StoreName;
  stage: string;
  /** where the current stage's scan stands (an _id in MongoDB, a token in Cassandra) */
  position?: string;
  started_at: string;
  updated_at: string;
  finished_at?: string;
  /** time spent copying, over every run */
  seconds: number;
  runs: number;
  /** records copied by every run together, per stage (`posts`, `comments`, `deletions`, …) */
  [stage: string]: string | number | undefined;
}

/** Records a checkpoint says its stage copied (0 when it has not started it). */
export function copiedIn(checkpoint: BackfillCheckpoint, stage: string): number {
  const value = checkpoint[stage];
  return typeof value === 'number' ? value : 0;
}

export interface BackfillSummary {
  source: StoreName;
  target: StoreName;
  dry_run: boolean;
  /** the checkpoint said it was complete already: nothing was copied */
  already_complete: boolean;
  /** where this run started: undefined for a fresh start */
  resumed_at?: { stage: string; position?: string };
  /** records copied by this run per kind (plural) (dry run: records that would be copied) */
  records: Record<string, number>;
  /** deletions applied by this run (a dry run does not count them) */
  deletions: number;
  seconds: number;
  /** records per second of this run */
  rate: number;
  checkpoint?: BackfillCheckpoint;
}

/** One stage of a backfill: a kind's records, or a kind's deletions. */
interface Stage {
  name: string;
  kind: RecordKind;
  deletions: boolean;
}

const SAVE_EVERY_MS = 1000;
/** A backfill holds its direction's lease while it copies; a killed run's lease ends after this. */
const LEASE_SECONDS = 10;
/**
 * A page write that failed on a transient store error (unreachable, timed out, busy) is tried
 * again: 6 tries over about 8 s, then the run stops and a new run resumes from its checkpoint.
 */
const PAGE_RETRY = { attempts: 6, firstDelayMs: 250, maxDelayMs: 4000 };

/** Another backfill of the same direction is running: two would fight over one checkpoint. */
export class BackfillRunningError extends Error {
  constructor(name: string, holder?: string) {
    super(
      `another ${name.replace(':', ' ')} is running (${holder ?? 'holder unknown'}); nothing was copied`,
    );
  }
}

export const backfillName = (source: StoreName, target: StoreName) =>
  `backfill:${source}->${target}`;

/**
 * Copies every record of every declared kind, kind by kind (parents first), then the source's
 * recorded deletions, from one store to the other with the target's replica writes (each record
 * at its own version, so a newer or deleted record in the target wins, and copying twice changes
 * nothing). Streams the source in its scan order, page by page, and keeps a checkpoint in the
 * migration state so a killed run continues where it stopped.
 */
@Injectable()
export class BackfillService {
  private readonly logger = new Logger(BackfillService.name);

  constructor(
    private readonly state: MigrationState,
    private readonly leases: Leases,
    private readonly replicas: Replicas,
  ) {}

  checkpoint(source: StoreName, target: StoreName): Promise<BackfillCheckpoint | undefined> {
    return this.state.get<BackfillCheckpoint>(backfillName(source, target));
  }

  /** Every stage in order: each kind's records, then the deletions of the kinds that keep them. */
  stages(): Stage[] {
    const { kinds } = this.replicas;
    return [
      ...kinds.all.map((kind) => ({ name: kind.plural, kind, deletions: false })),
      ...kinds
        .withDeletions()
        .map((kind) => ({ name: kind.deletions!.name, kind, deletions: true })),
    ];
  }

  async run(source: Replica, target: Replica, options: BackfillOptions): Promise<BackfillSummary> {
    const started = Date.now();
    const name = backfillName(source.name, target.name);
    if (options.dryRun) {
      const { checkpoint, summary } = await this.begin(source, target, options);
      const stages = this.stages();
      const at = stages.findIndex((stage) => stage.name === checkpoint.stage);
      for (const [index, stage] of stages.entries()) {
        if (stage.deletions || at < 0 || index < at) continue;
        const after = index === at ? checkpoint.position : undefined;
        summary.records[stage.name] = await source.countAfter(stage.kind, after);
      }
      return summary;
    }

    // a run killed a moment ago still holds the lease until it expires: wait that long for it
    const outcome = await this.leases.hold(
      name,
      LEASE_SECONDS,
      async () => {
        // read under the lease: a run that held it may have moved the checkpoint meanwhile
        const { saved, checkpoint, summary } = await this.begin(source, target, options);
        if (checkpoint.stage === 'done') return summary;
        return this.copy(source, target, options, { name, saved, checkpoint, summary, started });
      },
      { waitMs: options.leaseWaitMs ?? (LEASE_SECONDS + 2) * 1000 },
    );
    if (!outcome.held) throw new BackfillRunningError(name, outcome.holder);
    return outcome.value;
  }

  /** The checkpoint to continue from (a fresh one with --restart) and the summary so far. */
  private async begin(source: Replica, target: Replica, options: BackfillOptions) {
    const name = backfillName(source.name, target.name);
    const saved = options.restart ? undefined : await this.state.get<BackfillCheckpoint>(name);
    const now = new Date().toISOString();
    const stages = this.stages();
    const checkpoint: BackfillCheckpoint = saved ?? {
      source: source.name,
      target: target.name,
      stage: stages[0]?.name ?? 'done',
      ...Object.fromEntries(stages.filter((s) => !s.deletions).map((s) => [s.name, 0])),
      started_at: now,
      updated_at: now,
      seconds: 0,
      runs: 0,
    };
    const summary: BackfillSummary = {
      source: source.name,
      target: target.name,
      dry_run: options.dryRun,
      already_complete: checkpoint.stage === 'done',
      resumed_at: saved ? { stage: saved.stage, position: saved.position } : undefined,
      records: Object.fromEntries(this.replicas.kinds.all.map((kind) => [kind.plural, 0])),
      deletions: 0,
      seconds: 0,
      rate: 0,
      checkpoint,
    };
    return { saved, checkpoint, summary };
  }

  private async copy(
    source: Replica,
    target: Replica,
    options: BackfillOptions,
    run: {
      name: string;
      saved?: BackfillCheckpoint;
      checkpoint: BackfillCheckpoint;
      summary: BackfillSummary;
      started: number;
    },
  ): Promise<BackfillSummary> {
    const { name, saved, checkpoint, summary, started } = run;
    checkpoint.runs++;
    const progress = options.progress ?? quietProgress;
    const stages = this.stages();
    let from = stages.findIndex((stage) => stage.name === checkpoint.stage);
    if (from < 0) {
      // a stage this code does not know (a kind no longer declared): copy everything again
      this.logger.warn(
        `checkpoint stage ${checkpoint.stage} is unknown: starting from the first stage`,
      );
      Object.assign(checkpoint, { stage: stages[0].name, position: undefined });
      from = 0;
    }
    // the estimates are for the progress bar only: they must not hold the copy up (on FerretDB
    // a count is a full scan), so the bar gets its total when its estimate arrives
    let current = stages[from];
    const estimates = new Map<string, number>();
    for (const stage of stages.slice(from)) {
      if (stage.deletions) continue;
      void source
        .estimate(stage.kind)
        .then((total) => {
          estimates.set(stage.name, total);
          if (current === stage) progress.total(total);
        })
        .catch(() => undefined);
    }
    const limit = new RateLimit(options.rate);
    const pageSize = options.pageSize ?? Math.max(100, options.concurrency * 8);
    let lastSave = 0;
    const save = async (force = false) => {
      if (!force && Date.now() - lastSave < SAVE_EVERY_MS) return;
      checkpoint.updated_at = new Date().toISOString();
      checkpoint.seconds = (saved?.seconds ?? 0) + (Date.now() - started) / 1000;
      await this.state.put(name, checkpoint);
      lastSave = Date.now();
    };
    await save(true); // a restart forgets the old checkpoint at once, not after the first page

    const scanOf = (stage: Stage, after?: string): AsyncIterable<ScanPage<unknown>> =>
      stage.deletions
        ? source.scanDeletions(stage.kind, after, pageSize)
        : source.scan(stage.kind, after, pageSize);
    const writerOf = (stage: Stage) => {
      if (stage.deletions) {
        return (items: unknown[]) =>
          target.applyDeletes(stage.kind, items as never[], options.concurrency);
      }
      const write = target.writer(stage.kind);
      return (items: unknown[]) => write(items as never[], options.concurrency);
    };

    // The next stage's first page is asked for while this one is copied: a source that must
    // sort a whole collection before its first page (FerretDB) does it meanwhile.
    let next = primed(prefetched(scanOf(stages[from], checkpoint.position)));
    try {
      for (let index = from; index < stages.length; index++) {
        const stage = stages[index];
        const pages = next;
        const following = stages[index + 1];
        next = following ? primed(prefetched(scanOf(following))) : emptyPrimed();
        try {
          current = stage;
          await this.stage(stage, pages, writerOf(stage), {
            checkpoint,
            summary,
            progress,
            estimate: estimates.get(stage.name) ?? 0,
            limit,
            save,
            target: target.name,
          });
        } finally {
          await pages.close();
        }
        Object.assign(checkpoint, { stage: following?.name ?? 'done', position: undefined });
        await save(true);
      }
    } finally {
      await next.close();
    }
    checkpoint.finished_at = new Date().toISOString();
    await save(true);

    const seconds = (Date.now() - started) / 1000;
    const copied = Object.values(summary.records).reduce((a, b) => a + b, 0) + summary.deletions;
    return { ...summary, seconds, rate: copied / Math.max(seconds, 0.001) };
  }

  /** Copies one stage page by page, moving the checkpoint after each page. */
  private async stage(
    stage: Stage,
    pages: AsyncIterable<ScanPage<unknown>>,
    write: (items: unknown[]) => Promise<void>,
    run: {
      checkpoint: BackfillCheckpoint;
      summary: BackfillSummary;
      progress: Progress;
      estimate: number;
      limit: RateLimit;
      save: () => Promise<void>;
      target: string;
    },
  ): Promise<void> {
    const { checkpoint, summary, progress } = run;
    progress.start(
      `copying ${stage.name}`,
      stage.deletions ? 0 : run.estimate,
      copiedIn(checkpoint, stage.name),
    );
    try {
      for await (const page of pages) {
        await run.limit.take(page.items.length);
        // a page is written at its records' versions, so writing it again changes nothing
        await retryTransient(() => write(page.items), {
          ...PAGE_RETRY,
          onRetry: (error, attempt, delayMs) =>
            this.logger.warn(
              `writing a page of ${stage.name} to ${run.target} failed (${reasonOf(error)}); try ${attempt + 1} of ${PAGE_RETRY.attempts} in ${delayMs} ms`,
            ),
        });
        checkpoint.position = page.position;
        checkpoint[stage.name] = copiedIn(checkpoint, stage.name) + page.items.length;
        if (stage.deletions) summary.deletions += page.items.length;
        else summary.records[stage.name] = (summary.records[stage.name] ?? 0) + page.items.length;
        progress.update(copiedIn(checkpoint, stage.name));
        await run.save();
      }
    } finally {
      progress.stop();
    }
  }
}

/** Reads the next page while the current one is being written. */
async function* prefetched<T>(source: AsyncIterable<T>): AsyncIterable<T> {
  const iterator = source[Symbol.asyncIterator]();
  let next = iterator.next();
  try {
    for (;;) {
      const result = await next;
      if (result.done) return;
      next = iterator.next();
      next.catch(() => undefined); // surfaces on the next await, not as an unhandled rejection
      yield result.value;
    }
  } finally {
    await iterator.return?.();
  }
}

type Primed<T> = AsyncIterable<T> & { close(): Promise<void> };

function emptyPrimed<T>(): Primed<T> {
  return primed((async function* () {})());
}

/** An iterable whose first item is already being fetched; close() releases it unread. */
function primed<T>(source: AsyncIterable<T>): Primed<T> {
  const iterator = source[Symbol.asyncIterator]();
  let first: Promise<IteratorResult<T>> | undefined = iterator.next();
  first.catch(() => undefined); // surfaces when it is read, not as an unhandled rejection
  const next = () => {
    const pending = first;
    first = undefined;
    return pending ?? iterator.next();
  };
  return {
    [Symbol.asyncIterator]: () => ({ next }),
    close: async () => {
      await iterator.return?.();
    },
  };
}

/** At most `rate` records per second on average since the start (no limit without a rate). */
class RateLimit {
  private readonly started = Date.now();
  private taken = 0;

  constructor(private readonly rate?: number) {}

  async take(records: number): Promise<void> {
    if (!this.rate) return;
    this.taken += records;
    const due = this.started + (this.taken / this.rate) * 1000;
    const wait = due - Date.now();
    if (wait > 0) await sleep(wait);
  }
}
