import { sleep } from './sleep';

export interface RetryOptions {
  /** tries in all, the first included */
  attempts: number;
  /** pause before the second try; doubles each time up to `maxDelayMs` */
  firstDelayMs: number;
  maxDelayMs: number;
  /** told about every failure that will be retried */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
}

/**
 * Runs `work` (which must be safe to repeat) until it succeeds, retrying the errors `retryIf`
 * accepts with growing pauses; any other error, or the last attempt's, is thrown.
 */
export async function retry<T>(
  work: () => Promise<T>,
  options: RetryOptions & { retryIf: (error: unknown) => boolean },
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= options.attempts || !options.retryIf(error)) throw error;
      const delayMs = Math.min(options.firstDelayMs * 2 ** (attempt - 1), options.maxDelayMs);
      options.onRetry?.(error, attempt, delayMs);
      await sleep(delayMs);
    }
  }
}
