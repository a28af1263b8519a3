import { errors as cassandraErrors, types } from 'cassandra-driver';
import { ConflictError, ServiceUnavailableError } from '../common/errors/service-errors';
import { retry, RetryOptions } from '../common/retry';

/** A store could not be reached, did not answer in time or was busy: the same call may succeed later. */
export class StoreUnavailableError extends ServiceUnavailableError {
  constructor(message: string, cause?: unknown) {
    super(message, cause, mayHaveApplied(cause));
    this.name = 'StoreUnavailableError';
  }
}

/** Another account holds the username: nothing was stored (409). */
export class UsernameTakenError extends ConflictError {
  constructor(readonly username: string) {
    super(`The username ${username} is taken.`);
    this.name = 'UsernameTakenError';
  }
}

/**
 * A copy to the secondary found the username held there by another account than the one the
 * primary gave it to: the stores disagree, and the copy is reported (hinted, logged), not hidden.
 */
export class NameClashError extends Error {
  constructor(
    readonly store: string,
    readonly username: string,
    readonly accountId: string,
    readonly holderId: string,
  ) {
    super(
      `${store}: the username ${username} of account ${accountId} is held by account ${holderId}`,
    );
    this.name = 'NameClashError';
  }
}

// Class names rather than instanceof: mongoose bundles its own copy of the MongoDB driver, and a
// subclass (MongoNetworkTimeoutError extends MongoNetworkError) is matched by walking the chain.
const UNAVAILABLE_CLASS_NAMES = new Set([
  'MongoServerSelectionError',
  'MongooseServerSelectionError',
  'MongoNetworkError',
  'MongoNotConnectedError',
  'MongoTopologyClosedError',
  'MongoServerClosedError',
  'MongoClientClosedError',
  'MongoOperationTimeoutError',
  'MongoWaitQueueTimeoutError',
  'MongoPoolClearedError',
  'NoHostAvailableError',
  'OperationTimedOutError',
  'BusyConnectionError',
]);

// Cassandra answered, but could not reach enough replicas in time: retrying later can succeed.
const UNAVAILABLE_CASSANDRA_CODES = new Set<number>([
  types.responseErrorCodes.unavailableException,
  types.responseErrorCodes.overloaded,
  types.responseErrorCodes.isBootstrapping,
  types.responseErrorCodes.readTimeout,
  types.responseErrorCodes.writeTimeout,
]);

// FerretDB's SQLite backend under write contention ("database is locked (5) (SQLITE_BUSY)"):
// the write was not done, and a moment later it can be.
const BUSY_MESSAGE = /SQLITE_BUSY|database is locked/i;

// Failures that can come after the store received the operation: it may have applied it and
// only its answer was lost. Every other unavailable error was refused or never sent.
const OUTCOME_UNKNOWN_CLASS_NAMES = new Set([
  'MongoNetworkError', // the connection dropped or timed out mid-operation (its Timeout subclass too)
  'MongoServerClosedError',
  'MongoOperationTimeoutError',
  'OperationTimedOutError', // the Cassandra driver stopped waiting for a coordinator's answer
]);

/** The names of an error's class and of every class it extends. */
function classNames(error: object): string[] {
  const names: string[] = [];
  for (let proto = Object.getPrototypeOf(error); proto && proto !== Object.prototype;) {
    if (typeof proto.constructor?.name === 'string') names.push(proto.constructor.name);
    proto = Object.getPrototypeOf(proto);
  }
  const ownName = (error as { name?: unknown }).name;
  if (typeof ownName === 'string') names.push(ownName);
  return names;
}

/** True when the error, or one it wraps, says a store was unavailable (see StoreUnavailableError). */
export function isUnavailable(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== 'object' || depth > 5) return false;
  if (error instanceof StoreUnavailableError) return true;
  const names = classNames(error);
  if (names.some((name) => UNAVAILABLE_CLASS_NAMES.has(name))) return true;
  if (names.includes('MongoServerError') && BUSY_MESSAGE.test(String((error as Error).message))) {
    return true;
  }
  if (
    error instanceof cassandraErrors.ResponseError &&
    UNAVAILABLE_CASSANDRA_CODES.has(error.code)
  ) {
    return true;
  }
  // the Cassandra driver's "Socket was closed": the node went away with the request on its
  // connection (a statement the driver may not resend, or one resent until it gave up)
  if ((error as { isSocketError?: unknown }).isSocketError === true) return true;
  return isUnavailable((error as { cause?: unknown }).cause, depth + 1);
}

// A connection that failed while being opened never carried the operation.
const CONNECTING = /ECONNREFUSED|EHOSTUNREACH|ENETUNREACH|during connection establishment/;

/** A MongoDB network error from opening a connection, or one the driver says wrote nothing. */
function neverSent(error: Error & { cause?: unknown }): boolean {
  const labels = (error as { errorLabels?: unknown }).errorLabels;
  if (labels instanceof Set && labels.has('NoWritesPerformed')) return true;
  const cause = error.cause as { syscall?: string; code?: string } | undefined;
  return cause?.syscall === 'connect' || CONNECTING.test(`${error.message} ${cause?.code ?? ''}`);
}

/**
 * True when the failed operation may still have been applied: the store (or a Cassandra
 * coordinator) may have received it before the answer was lost. A refusal (Cassandra's
 * Unavailable, Overloaded, a batchlog write that timed out before the batch was applied), a
 * server never reached, or a busy SQLite is not. When in doubt it answers true: "may have been
 * saved" is never false, "nothing was saved" can be.
 */
export function mayHaveApplied(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== 'object' || depth > 5) return false;
  if (error instanceof ServiceUnavailableError) return error.outcomeUnknown;
  if (classNames(error).some((name) => OUTCOME_UNKNOWN_CLASS_NAMES.has(name))) {
    return !neverSent(error as Error & { cause?: unknown });
  }
  const socket = error as { isSocketError?: boolean; requestNotWritten?: boolean };
  if (socket.isSocketError) return !socket.requestNotWritten;
  if (error instanceof cassandraErrors.ResponseError) {
    // BATCH_LOG: the batchlog was not written, so neither was the batch. CAS: an LWT claim, which
    // always comes before the data it guards, so the request's content was not written.
    const writeType = (error as { info?: { writeType?: string } }).info?.writeType;
    return (
      error.code === types.responseErrorCodes.writeTimeout &&
      writeType !== 'BATCH_LOG' &&
      writeType !== 'CAS'
    );
  }
  if (error instanceof cassandraErrors.NoHostAvailableError) {
    // every host tried failed: unknown if any of them may have applied it
    const inner = Object.values(error.innerErrors ?? {});
    if (inner.some((e) => mayHaveApplied(e, depth + 1))) return true;
  }
  return mayHaveApplied((error as { cause?: unknown }).cause, depth + 1);
}

/** A driver error that says the store was unavailable, as a StoreUnavailableError; others as they are. */
export function asStoreError(error: unknown): unknown {
  if (error instanceof StoreUnavailableError || !isUnavailable(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new StoreUnavailableError(message, error);
}

/** `retry` of transient store errors only (a store unreachable, timing out or busy). */
export function retryTransient<T>(work: () => Promise<T>, options: RetryOptions): Promise<T> {
  return retry(work, { ...options, retryIf: isUnavailable });
}
