import { Injectable, Logger } from '@nestjs/common';
import { mapConcurrent } from '../../common/map-concurrent';
import { retry } from '../../common/retry';
import { StopWhen } from '../../common/stop';
import { reasonOf } from '../../common/with-timeout';
import { AppConfig } from '../../config/app-config';
import { KindRecord, RecordKind } from '../../kinds/record-kind';
import { Hint, HintLog } from '../../store/hints/hint-log';
import { Deletion, Replica } from '../../store/replica';
import { Replicas } from '../../store/replicas';

export interface HintRetryResult {
  /** hints whose record is now in the secondary as in the primary (removed from the log) */
  retried: number;
  /** hints that failed every attempt this run (kept for the next run) */
  failed: number;
  /** the last failure, first line */
  error?: string;
}

/** How a run drains: HINT_RETRY_BATCH and HINT_RETRY_CONCURRENCY. */
export interface HintRetrySettings {
  /** hints read at once and copied together */
  batch: number;
  /** operations in flight against each store at once */
  concurrency: number;
}

/** A batch's copy: 3 tries, 200 and 400 ms apart, whatever the error (the next run tries again). */
const COPY_RETRY = {
  attempts: 3,
  firstDelayMs: 200,
  maxDelayMs: 400,
  retryIf: () => true,
};

const hintKey = (hint: Hint) => `${hint.entity}:${hint.id}:${hint.at}`;

interface BatchOutcome {
  /** copied: their hints may go */
  done: Hint[];
  failed: Hint[];
  error?: string;
}

/**
 * Drains a dual-write's hints: re-reads each hinted record from the primary and copies what it
 * holds now to the secondary (or the deletion), with the secondary's replica writes. A batch of
 * hints is read at once; each kind's records are read from the primary in one bulk read and
 * written to the secondary in bulk (applyMany, applyDeletes), so a backlog drains at the rate the
 * secondary takes bulk writes, not one round trip per record. A hint is removed only after its
 * copy succeeded, and only if no newer miss of the record replaced it (HintLog.remove): a miss
 * recorded while its batch was copied keeps its hint for the next batch.
 */
@Injectable()
export class HintRetryService {
  private readonly logger = new Logger(HintRetryService.name);
  /** a run longer than this says how far it got, every this often (a backlog can take minutes) */
  progressEveryMs = 30_000;
  settings: HintRetrySettings;

  constructor(
    private readonly replicas: Replicas,
    config: AppConfig,
  ) {
    this.settings = { batch: config.hintRetryBatch, concurrency: config.hintRetryConcurrency };
  }

  async retry(
    primary: Replica,
    secondary: Replica,
    hints: HintLog,
    /** checked before each batch: true ends the run (the rest waits for the next one) */
    stop?: StopWhen,
  ): Promise<HintRetryResult> {
    const { batch, concurrency } = this.settings;
    const result: HintRetryResult = { retried: 0, failed: 0 };
    const failedNow = new Set<string>();
    const started = Date.now();
    let saidAt = started;
    while (!stop?.()) {
      // the hints that failed this run are still in the log: read past them
      const listed = (await hints.list(batch + failedNow.size))
        .filter((hint) => !failedNow.has(hintKey(hint)))
        .slice(0, batch);
      if (listed.length === 0) break;
      const outcome = await this.copyBatch(primary, secondary, listed, concurrency);
      try {
        await hints.removeMany(outcome.done, concurrency);
        result.retried += outcome.done.length;
      } catch (error) {
        // copied but still hinted: the next run copies them again (idempotent)
        outcome.failed.push(...outcome.done);
        outcome.error = reasonOf(error);
        outcome.done = [];
      }
      for (const hint of outcome.failed) failedNow.add(hintKey(hint));
      result.failed += outcome.failed.length;
      if (outcome.error) result.error = outcome.error;
      // the secondary is still down: leave the rest for the next run
      if (outcome.done.length === 0) break;
      if (Date.now() - saidAt >= this.progressEveryMs) {
        saidAt = Date.now();
        // a progress line only: a count that fails does not end the run
        const pending = await hints.pending().catch(() => 'unknown');
        this.logger.log(
          `hints: ${result.retried} copied to ${secondary.name} so far (${((saidAt - started) / 1000).toFixed(0)} s), ${pending} pending`,
        );
      }
    }
    if (result.retried > 0 || result.failed > 0) {
      this.logger.log(
        `hints: ${result.retried} copied to ${secondary.name}, ${result.failed} still failing${result.error ? ` (${result.error})` : ''}`,
      );
    }
    return result;
  }

  /**
   * Copies a batch kind by kind, each kind in bulk (retried as a whole). A kind whose bulk copy
   * still fails is copied hint by hint, so one record the secondary refuses (a clash) does not
   * hold back the others; when the first `concurrency` of those all fail too, the secondary is
   * down and the rest are not tried.
   */
  private async copyBatch(
    primary: Replica,
    secondary: Replica,
    batch: readonly Hint[],
    concurrency: number,
  ): Promise<BatchOutcome> {
    const outcome: BatchOutcome = { done: [], failed: [] };
    const byKind = new Map<string, Hint[]>();
    for (const hint of batch) byKind.set(hint.entity, [...(byKind.get(hint.entity) ?? []), hint]);
    for (const [entity, group] of byKind) {
      const kind = this.replicas.kinds.get(entity);
      try {
        await retry(() => this.copyMany(primary, secondary, kind, group, concurrency), COPY_RETRY);
        outcome.done.push(...group);
        continue;
      } catch (error) {
        outcome.error = reasonOf(error);
      }
      let tried = 0;
      let copied = 0;
      await mapConcurrent(group, concurrency, async (hint) => {
        if (tried >= concurrency && copied === 0) {
          outcome.failed.push(hint);
          return;
        }
        tried++;
        try {
          await this.copyMany(primary, secondary, kind, [hint], 1);
          copied++;
          outcome.done.push(hint);
        } catch (error) {
          outcome.failed.push(hint);
          outcome.error = reasonOf(error);
        }
      });
    }
    return outcome;
  }

  /**
   * Copies what the primary holds now for the hinted records of one kind: each record, or its
   * deletion; a record the primary no longer has went with the record it lived under (a comment
   * with its post), whose deletion is copied instead.
   */
  private async copyMany(
    primary: Replica,
    secondary: Replica,
    kind: RecordKind,
    hints: readonly Hint[],
    concurrency: number,
  ): Promise<void> {
    const states = await primary.states(
      kind,
      hints.map((hint) => hint.id),
      concurrency,
    );
    const live: KindRecord[] = [];
    const deletions: Deletion[] = [];
    const owners = new Set<string>();
    for (const hint of hints) {
      const state = states.get(hint.id);
      if (state?.kind === 'live') live.push(state.record);
      else if (state?.kind === 'deleted')
        deletions.push({ id: hint.id, deletedAt: state.deletedAt });
      else owners.add(hint.postId);
    }
    // one after the other: `concurrency` bounds what is in flight against the secondary
    if (live.length > 0) await secondary.applyMany(kind, live, concurrency);
    if (deletions.length > 0) await secondary.applyDeletes(kind, deletions, concurrency);
    await this.copyOwnerDeletions(primary, secondary, kind, [...owners], concurrency);
  }

  private async copyOwnerDeletions(
    primary: Replica,
    secondary: Replica,
    kind: RecordKind,
    owners: string[],
    concurrency: number,
  ): Promise<void> {
    const parent = this.replicas.kinds.parentOf(kind);
    if (!parent || owners.length === 0) return;
    const states = await primary.states(parent, owners, concurrency);
    const deletions: Deletion[] = [];
    for (const [id, state] of states) {
      if (state.kind === 'deleted') deletions.push({ id, deletedAt: state.deletedAt });
    }
    if (deletions.length > 0) await secondary.applyDeletes(parent, deletions, concurrency);
  }
}
