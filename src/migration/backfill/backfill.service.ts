import { Injectable, Logger } from '@nestjs/common';
import { reasonOf } from '../../common/with-timeout';
import { retryTransient } from '../../common/retry';
import { StoreName } from '../../config/migration-phase';
import { Leases } from '../control/lease';
import { MigrationState } from '../control/migration-state';
import { StoreTotals } from '../../store/post-store';
import { MigrationSide, ScanPage } from '../sides/migration-side';
import { Progress, quietProgress } from './progress';
import { sleep } from '../../common/sleep';

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

/** The durable state of one direction's backfill, saved in the migration state as it goes. */
export interface BackfillCheckpoint {
  source: StoreName;
  target: StoreName;
  /** posts, then comments, then the posts' deletions (tombstones) */
  stage: 'posts' | 'comments' | 'deletions' | 'done';
  /** where the current stage's scan stands (an _id in MongoDB, a token in Cassandra) */
  position?: string;
  /** records copied by every run together */
  posts: number;
  comments: number;
  /** deletions applied (absent in checkpoints saved before deletions were copied) */
  deletions?: number;
  started_at: string;
  updated_at: string;
  finished_at?: string;
  /** time spent copying, over every run */
  seconds: number;
  runs: number;
}

export interface BackfillSummary {
  source: StoreName;
  target: StoreName;
  dry_run: boolean;
  /** the checkpoint said it was complete already: nothing was copied */
  already_complete: boolean;
  /** where this run started: undefined for a fresh start */
  resumed_at?: { stage: BackfillCheckpoint['stage']; position?: string };
  /** records copied by this run (dry run: records that would be copied) */
  posts: number;
  comments: number;
  /** deletions applied by this run (a dry run does not count them) */
  deletions: number;
  seconds: number;
  /** records per second of this run */
  rate: number;
  checkpoint?: BackfillCheckpoint;
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
 * Copies every post, then every comment, from one store to the other with the target's replica
 * writes (each record at its own version, so a newer or deleted record in the target wins, and
 * copying twice changes nothing). Streams the source in its scan order, page by page, and keeps
 * a checkpoint in the migration state so a killed run continues where it stopped.
 */
@Injectable()
export class BackfillService {
  private readonly logger = new Logger(BackfillService.name);

  constructor(
    private readonly state: MigrationState,
    private readonly leases: Leases,
  ) {}

  checkpoint(source: StoreName, target: StoreName): Promise<BackfillCheckpoint | undefined> {
    return this.state.get<BackfillCheckpoint>(backfillName(source, target));
  }

  async run(
    source: MigrationSide,
    target: MigrationSide,
    options: BackfillOptions,
  ): Promise<BackfillSummary> {
    const started = Date.now();
    const name = backfillName(source.name, target.name);
    if (options.dryRun) {
      const { checkpoint, summary } = await this.begin(source, target, options);
      if (checkpoint.stage === 'done' || checkpoint.stage === 'deletions') return summary;
      const inPosts = checkpoint.stage === 'posts';
      const left = await source.countAfter(
        inPosts ? checkpoint.position : undefined,
        inPosts ? undefined : checkpoint.position,
      );
      return { ...summary, posts: inPosts ? left.posts : 0, comments: left.comments };
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
  private async begin(source: MigrationSide, target: MigrationSide, options: BackfillOptions) {
    const name = backfillName(source.name, target.name);
    const saved = options.restart ? undefined : await this.state.get<BackfillCheckpoint>(name);
    const now = new Date().toISOString();
    const checkpoint: BackfillCheckpoint = saved ?? {
      source: source.name,
      target: target.name,
      stage: 'posts',
      posts: 0,
      comments: 0,
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
      posts: 0,
      comments: 0,
      deletions: 0,
      seconds: 0,
      rate: 0,
      checkpoint,
    };
    return { saved, checkpoint, summary };
  }

  private async copy(
    source: MigrationSide,
    target: MigrationSide,
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
    // the estimate is for the progress bar only: it must not hold the copy up (on FerretDB it
    // is a full scan), so the bar gets its total when the estimate arrives
    type Kind = 'posts' | 'comments' | 'deletions';
    let current: Kind = checkpoint.stage === 'done' ? 'deletions' : checkpoint.stage;
    let estimate: StoreTotals | undefined;
    void source
      .estimate()
      .then((totals) => {
        estimate = totals;
        if (current !== 'deletions') progress.total(totals[current]);
      })
      .catch(() => undefined);
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

    const stage = async <T>(
      kind: Kind,
      pages: AsyncIterable<ScanPage<T>>,
      apply: (items: T[]) => Promise<void>,
    ) => {
      current = kind;
      const estimated = kind === 'deletions' ? 0 : (estimate?.[kind] ?? 0);
      progress.start(`copying ${kind}`, estimated, checkpoint[kind] ?? 0);
      try {
        for await (const page of pages) {
          await limit.take(page.items.length);
          // a page is written at its records' versions, so writing it again changes nothing
          await retryTransient(() => apply(page.items), {
            ...PAGE_RETRY,
            onRetry: (error, attempt, delayMs) =>
              this.logger.warn(
                `writing a page of ${kind} to ${target.name} failed (${reasonOf(error)}); try ${attempt + 1} of ${PAGE_RETRY.attempts} in ${delayMs} ms`,
              ),
          });
          checkpoint.position = page.position;
          checkpoint[kind] = (checkpoint[kind] ?? 0) + page.items.length;
          summary[kind] += page.items.length;
          progress.update(checkpoint[kind] ?? 0);
          await save();
        }
      } finally {
        progress.stop();
      }
    };
    const next = async (kind: Kind) => {
      Object.assign(checkpoint, { stage: kind, position: undefined });
      await save(true);
    };

    if (checkpoint.stage !== 'deletions') {
      // The comments' first page is asked for while the posts are being copied: a source that
      // must sort a whole collection before its first page (FerretDB) does it meanwhile.
      const fromStart = checkpoint.stage === 'posts';
      const comments = primed(
        prefetched(source.scanComments(fromStart ? undefined : checkpoint.position, pageSize)),
      );
      try {
        if (fromStart) {
          const writePosts = target.postWriter();
          await stage(
            'posts',
            prefetched(source.scanPosts(checkpoint.position, pageSize)),
            (posts) => writePosts(posts, options.concurrency),
          );
          await next('comments');
        }
        await stage('comments', comments, (items) =>
          target.store.applyComments(items, options.concurrency),
        );
      } finally {
        await comments.close();
      }
      await next('deletions');
    }
    // Last, the source's deletions: a post deleted there is removed (with its comments) from
    // the target, which may still hold it from before (a restored backup, an older phase).
    await stage(
      'deletions',
      prefetched(source.scanDeletions(checkpoint.position, pageSize)),
      (items) => target.store.applyDeletes(items, options.concurrency),
    );
    Object.assign(checkpoint, {
      stage: 'done',
      position: undefined,
      finished_at: new Date().toISOString(),
    });
    await save(true);

    const seconds = (Date.now() - started) / 1000;
    return {
      ...summary,
      seconds,
      rate: (summary.posts + summary.comments + summary.deletions) / Math.max(seconds, 0.001),
    };
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

/** An iterable whose first item is already being fetched; close() releases it unread. */
function primed<T>(source: AsyncIterable<T>): AsyncIterable<T> & { close(): Promise<void> } {
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
