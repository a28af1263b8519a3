import { Injectable, Logger } from '@nestjs/common';
import { mapConcurrent } from '../../common/map-concurrent';
import { retry } from '../../common/retry';
import { StopWhen } from '../../common/stop';
import { reasonOf } from '../../common/with-timeout';
import { Hint, HintLog } from '../../store/hints/hint-log';
import { Replica } from '../../store/replica';
import { Replicas } from '../../store/replicas';

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

const hintKey = (hint: Hint) => `${hint.entity}:${hint.id}:${hint.at}`;

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

  constructor(private readonly replicas: Replicas) {}

  async retry(
    primary: Replica,
    secondary: Replica,
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
        (hint) => !failedNow.has(hintKey(hint)),
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
          failedNow.add(hintKey(hint));
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

  /**
   * Copies what the primary holds now for the hinted record: the record, or its deletion; a
   * record the primary no longer has went with the record it lived under (a comment with its
   * post), whose deletion is copied instead.
   */
  private async copy(primary: Replica, secondary: Replica, hint: Hint): Promise<void> {
    const { kinds } = this.replicas;
    const kind = kinds.get(hint.entity);
    const state = await primary.state(kind, hint.id);
    if (state.kind === 'live') return secondary.apply(kind, state.record);
    if (state.kind === 'deleted') return secondary.applyDelete(kind, hint.id, state.deletedAt);
    const parent = kinds.parentOf(kind);
    if (!parent) return;
    const owner = await primary.state(parent, hint.postId);
    if (owner.kind === 'deleted') await secondary.applyDelete(parent, hint.postId, owner.deletedAt);
  }
}
