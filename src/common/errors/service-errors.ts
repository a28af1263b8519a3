/**
 * Errors the HTTP layer answers without knowing where they came from: the layers below throw
 * subclasses (src/store/store-errors.ts), the exception filter maps these to a status.
 */

/** Something the request needed could not answer (in time): try again later (503). */
export class ServiceUnavailableError extends Error {
  constructor(
    message: string,
    cause?: unknown,
    /**
     * The store may have received the operation and applied it before its answer was lost (a
     * timeout after sending, a connection dropped mid-operation). False: it was refused or never
     * sent, so nothing was done.
     */
    readonly outcomeUnknown = false,
  ) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'ServiceUnavailableError';
  }
}

/** The error, or one it wraps, is a ServiceUnavailableError whose operation may have been applied. */
export function outcomeUnknown(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== 'object' || depth > 5) return false;
  if (error instanceof ServiceUnavailableError && error.outcomeUnknown) return true;
  return outcomeUnknown((error as { cause?: unknown }).cause, depth + 1);
}

/** Input a lower layer rejected (a tampered page cursor): 400, naming the field. */
export class BadInputError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'BadInputError';
  }
}

/** The request clashes with what is stored (a username already taken): 409, nothing changed. */
export class ConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConflictError';
  }
}

/** The error itself or one of its causes is a `type` (errors get wrapped on their way up). */
export function causedBy<T>(
  error: unknown,
  type: abstract new (...args: never[]) => T,
  depth = 0,
): T | undefined {
  if (!error || typeof error !== 'object' || depth > 5) return undefined;
  if (error instanceof type) return error;
  return causedBy((error as { cause?: unknown }).cause, type, depth + 1);
}
