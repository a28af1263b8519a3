/**
 * Asked between (and during) the stages of a long run: true once the run must end early, for
 * example a scheduled job whose phase has moved on, which a waiting `phase set` would otherwise
 * wait out.
 */
export type StopWhen = () => boolean;

/** A run ended early because it was told to stop: not a failure. */
export class StoppedError extends Error {
  constructor(what: string) {
    super(`${what} stopped early`);
    this.name = 'StoppedError';
  }
}

/** Throws StoppedError when `stop` says so. */
export function stopIf(stop: StopWhen | undefined, what: string): void {
  if (stop?.()) throw new StoppedError(what);
}
