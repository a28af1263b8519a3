import { HttpException } from '@nestjs/common';
import { BadInputError, causedBy, ConflictError, ServiceUnavailableError } from './service-errors';

/**
 * What an error means for the person who made the request:
 * - `http`: a decision the app made on purpose (404, 400, 409...): answer with its status;
 * - `bad-request`: input a lower layer rejected (a tampered page cursor): 400, nothing changed;
 * - `conflict`: the request clashes with what is stored (a username taken): 409, nothing changed;
 * - `unavailable`: something the request needed could not answer in time: 503, try again later;
 * - `unexpected`: a bug: 500, logged with its stack.
 */
export type ErrorKind = 'http' | 'bad-request' | 'conflict' | 'unavailable' | 'unexpected';

export interface ErrorClass {
  kind: ErrorKind;
  status: number;
}

/**
 * The one place that decides which status an error becomes. It knows only the error types of
 * this folder: the stores turn their drivers' errors into ServiceUnavailableError subclasses.
 */
export function classifyError(error: unknown): ErrorClass {
  if (error instanceof HttpException) return { kind: 'http', status: error.getStatus() };
  if (error instanceof BadInputError) return { kind: 'bad-request', status: 400 };
  if (error instanceof ConflictError) return { kind: 'conflict', status: 409 };
  if (causedBy(error, ServiceUnavailableError)) return { kind: 'unavailable', status: 503 };
  return { kind: 'unexpected', status: 500 };
}
