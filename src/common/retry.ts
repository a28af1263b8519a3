import { classifyError } from './errors/error-classification';

export interface RetryOptions {
  /** tries in all, the first included */
  attempts: number;
  /** pause before the second try; doubles each time up to `maxDelayMs` */
  firstDelayMs: number;
  maxDelayMs: number;
  /** told about every failure that will be retried */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
}

/** A store could not be reached, timed out or was busy: the same call may succeed later. */
export function isTransient(error: unknown): boolean {
  return classifyError(error).kind === 'unavailable';
}

/**
 * Runs `work` (which must be safe to repeat) until it succeeds, retrying transient store errors
 * with growing pauses; any other error, or the last attempt's, is thrown.
 */
export async function retryTransient<T>(work: () => Promise<T>, options: RetryOptions): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= options.attempts || !isTransient(error)) throw error;
      const delayMs = Math.min(options.firstDelayMs * 2 ** (attempt - 1), options.maxDelayMs);
      options.onRetry?.(error, attempt, delayMs);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}
