import { Injectable, Logger, ServiceUnavailableException } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { reasonOf, withTimeout } from '../common/with-timeout';
import { AuthorCount, PostStore } from '../store/post-store';

/** `/api/author-stats`: the authors with the most posts, as last counted. */
export interface AuthorStatsReport {
  /** when the counting that produced `authors` started */
  as_of: string;
  /** at most AUTHOR_STATS_TOP authors: most posts first, ties by name (UTF-8 bytes) */
  authors: AuthorCount[];
  /** the most authors listed (AUTHOR_STATS_TOP) */
  top: number;
  /** more authors have posts than are listed */
  truncated: boolean;
}

/** How long a request waits for the very first count before answering 503. */
export const FIRST_COUNT_WAIT_MS = 5_000;
/** After a failed count, how long until a request may start another (at most; see retryDelay). */
const RETRY_AFTER_FAILURE_MS = 5_000;

/** No result yet: the first count is still running, or failed (503, with Retry-After). */
export class AuthorStatsPendingException extends ServiceUnavailableException {
  constructor(failed: boolean) {
    super({
      statusCode: 503,
      message: failed
        ? 'Author statistics could not be counted just now; please try again in a few seconds.'
        : 'Author statistics are being counted; please try again in a few seconds.',
    });
  }
}

/**
 * Author statistics without a scan per request: the source of truth is counted in the
 * background, one count at a time per instance, and every request is served the last result
 * with its `as_of`; a request that finds it older than STATS_MAX_AGE_MS starts a new count and
 * is still answered from the last one. Only before the first result does a request wait, for
 * the count already running, up to FIRST_COUNT_WAIT_MS (then 503, the count carries on).
 * A count is never abandoned while the store still works on it (MongoDB ends it server-side
 * after a minute; Cassandra reads it a page at a time under the driver's read timeout), so
 * counts never pile up on a slow store.
 */
@Injectable()
export class AuthorStatsService {
  private readonly logger = new Logger(AuthorStatsService.name);
  private last?: AuthorStatsReport;
  private running?: Promise<void>;
  /** when the last count that failed started (ms); undefined after a success */
  private failedAt?: number;

  constructor(
    private readonly posts: PostStore,
    private readonly config: AppConfig,
  ) {}

  async report(): Promise<AuthorStatsReport> {
    const last = this.last;
    if (last) {
      if (Date.now() - Date.parse(last.as_of) > this.config.statsMaxAgeMs) void this.refresh();
      return last;
    }
    const running = this.refresh();
    try {
      await withTimeout(running, FIRST_COUNT_WAIT_MS, 'author statistics');
    } catch {
      // still counting (or the store is down): the count that runs is left to finish
    }
    if (!this.last) throw new AuthorStatsPendingException(this.failedAt !== undefined);
    return this.last;
  }

  /** Starts a count unless one runs, or the last one failed only moments ago. */
  private refresh(): Promise<void> {
    if (this.running) return this.running;
    if (this.failedAt !== undefined && Date.now() - this.failedAt < this.retryDelay()) {
      return Promise.resolve();
    }
    this.running = this.count().finally(() => (this.running = undefined));
    return this.running;
  }

  /** A store that just failed is asked again no sooner than this (STATS_MAX_AGE_MS at most). */
  private retryDelay(): number {
    return Math.min(RETRY_AFTER_FAILURE_MS, this.config.statsMaxAgeMs);
  }

  private async count(): Promise<void> {
    const started = Date.now();
    const top = this.config.authorStatsTop;
    try {
      // one more than listed tells whether the list is truncated
      const counts = await this.posts.authorStats(top + 1);
      this.last = {
        as_of: new Date(started).toISOString(),
        authors: counts.slice(0, top),
        top,
        truncated: counts.length > top,
      };
      this.failedAt = undefined;
    } catch (error) {
      this.failedAt = started;
      this.logger.warn(`author statistics not counted: ${reasonOf(error)}`);
    }
  }
}
