import { sleep } from './sleep';

/**
 * Reads until `done` accepts what was read or `waitMs` is over, `everyMs` apart (the last pause
 * ends at the deadline). Returns the last value read and the seconds waited.
 */
export async function pollUntil<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  { waitMs, everyMs }: { waitMs: number; everyMs: number },
): Promise<{ value: T; seconds: number }> {
  const started = Date.now();
  let value = await read();
  while (!done(value) && Date.now() - started < waitMs) {
    const left = waitMs - (Date.now() - started);
    await sleep(Math.min(everyMs, left));
    value = await read();
  }
  return { value, seconds: (Date.now() - started) / 1000 };
}
