import { HttpException } from '@nestjs/common';
import { errors as cassandraErrors, types } from 'cassandra-driver';
import { InvalidCursorError } from '../../store/cursor';

/**
 * What an error means for the person who made the request:
 * - `http`: a decision the app made on purpose (404, 400, 409...): answer with its status;
 * - `bad-request`: input a store rejected (a tampered page cursor): 400, nothing changed;
 * - `unavailable`: a store could not be reached or did not answer in time: 503, try again later;
 * - `unexpected`: a bug: 500, logged with its stack.
 */
export type ErrorKind = 'http' | 'bad-request' | 'unavailable' | 'unexpected';

export interface ErrorClass {
  kind: ErrorKind;
  status: number;
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
  // another writer held the post's lock for longer than a request waits
  'PostLockTimeoutError',
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

function isUnavailable(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== 'object' || depth > 5) return false;
  const names = classNames(error);
  if (names.some((name) => UNAVAILABLE_CLASS_NAMES.has(name))) return true;
  if (names.includes('MongoServerError') && BUSY_MESSAGE.test(String((error as Error).message))) {
    return true;
  }
  // the dual-write store's "the primary failed, nothing was written" error, whatever wraps it
  if (names.some((name) => name.includes('DualWritePrimaryError'))) return true;
  if (
    error instanceof cassandraErrors.ResponseError &&
    UNAVAILABLE_CASSANDRA_CODES.has(error.code)
  ) {
    return true;
  }
  return isUnavailable((error as { cause?: unknown }).cause, depth + 1);
}

/** The one place that decides which status an error becomes. */
export function classifyError(error: unknown): ErrorClass {
  if (error instanceof HttpException) return { kind: 'http', status: error.getStatus() };
  if (error instanceof InvalidCursorError) return { kind: 'bad-request', status: 400 };
  if (isUnavailable(error)) return { kind: 'unavailable', status: 503 };
  return { kind: 'unexpected', status: 500 };
}
