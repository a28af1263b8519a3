import { Injectable, Logger } from '@nestjs/common';
import { reasonOf } from '../../common/with-timeout';
import { mapConcurrent } from '../../common/map-concurrent';
import { retry } from '../../common/retry';
import { StopWhen } from '../../common/stop';
import { Hint, HintLog } from '../../store/hints/hint-log';
import { MigrationSide } from '../sides/migration-side';

export interface HintRetryResult {
  /** hints whose record is now in the secondary as in the primary (removed from the log) */
  retried: number;
  /** hints that failed every attempt this run (kept for the next run) */
  failed: number;
  /** the last failure, first line */
  error?: string;
}

const BATCH = 100;
/** Each hint: 3 tries, 200 and 400 ms apart, whatever the error (the next run tries again). */
const COPY_RETRY = {
  attempts: 3,
  firstDelayMs: 200,
  maxDelayMs: 400,
  retryIf: () => true,
};

/**
 * Drains a dual-write's hints: for each, re-reads the record from the primary and copies what it
 * holds now to the secondary (or the deletion), with the secondary's replica writes. A hint is
 * removed only after its copy succeeded, and only if no newer miss of the record replaced it.
 */
@Injectable()
export class HintRetryService {
  private readonly logger = new Logger(HintRetryService.name);
  /** a run longer than this says how far it got, every this often (a backlog can take minutes) */
  progressEveryMs = 30_000;

  async retry(
    primary: MigrationSide,
    secondary: MigrationSide,
    hints: HintLog,
    /** checked before each batch: true ends the run (the rest waits for the next one) */
    stop?: StopWhen,
  ): Promise<HintRetryResult> {
    const result: HintRetryResult = { retried: 0, failed: 0 };
    const failedNow = new Set<string>();
    const started = Date.now();
    let saidAt = started;
    while (!stop?.()) {
      const batch = (await hints.list(BATCH + failedNow.size)).filter(
        (hint) => !failedNow.has(`${hint.entity}:${hint.id}:${hint.at}`),
      );
      if (batch.length === 0) break;
      let progressed = false;
      await mapConcurrent(batch.slice(0, BATCH), 8, async (hint) => {
        try {
          await retry(() => this.copy(primary, secondary, hint), COPY_RETRY);
          await hints.remove(hint);
          result.retried++;
          progressed = true;
        } catch (error) {
          failedNow.add(`${hint.entity}:${hint.id}:${hint.at}`);
          result.failed++;
          result.error = reasonOf(error);
        }
      });
      // the secondary is still down: leave the rest for the next run
      if (!progressed) break;
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

  /** Copies what the primary holds now for the hinted record. */
  private async copy(primary: MigrationSide, secondary: MigrationSide, hint: Hint): Promise<void> {
    if (hint.entity === 'comment') {
      const comment = await primary.getComment(hint.id);
      if (comment) {
        await secondary.store.applyComment(comment);
        return;
      }
    }
    // a post, or a comment the primary no longer has: its post was deleted (comments are only
    // ever removed with their post)
    const state = await primary.postState(hint.postId);
    if (state.kind === 'live' && hint.entity === 'post')
      await secondary.store.applyPost(state.post);
    if (state.kind === 'deleted') await secondary.store.applyDelete(hint.postId, state.deletedAt);
  }
}
