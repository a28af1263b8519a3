import { redactUrls } from './redact';

/** Thrown when a store took longer than HEALTH_CHECK_TIMEOUT_MS to answer. */
export class TimeoutError extends Error {
  override name = 'TimeoutError';
}

/**
 * Settles with the promise or rejects after `ms`, whichever comes first. The abandoned promise
 * still settles later; its rejection is swallowed so it cannot crash the process.
 */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  promise.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => reject(new TimeoutError(`${what} did not answer within ${ms} ms`)),
      ms,
    );
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A short, single-line reason for a health entry or a log line (URL passwords masked). */
export function reasonOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return redactUrls(message.split('\n')[0]).slice(0, 300);
}
