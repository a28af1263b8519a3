import { sleep } from './sleep';

/** How often a conditional write is retried after losing a race before the request gives up. */
export const MAX_WRITE_ATTEMPTS = 50;

/**
 * A short random pause before retrying a write that lost a race: random so that writers that
 * collided once don't collide again in lockstep, growing a little so a hot post calms down.
 */
export function backoff(attempt: number): Promise<void> {
  const ms = Math.random() * Math.min(2 + attempt, 25);
  return sleep(ms);
}
