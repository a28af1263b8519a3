import { BadRequestException, NotFoundException } from '@nestjs/common';
import { errors, types } from 'cassandra-driver';
import mongoose from 'mongoose';
import { classifyError } from '../../../src/common/errors/error-classification';
import { InvalidCursorError } from '../../../src/store/cursor';
import { DualWritePrimaryError } from '../../../src/store/dual-write/dual-write-post-store';
import { PostLockTimeoutError } from '../../../src/store/mongo/mongo-post-lock';
import { asStoreError, StoreUnavailableError } from '../../../src/store/store-errors';

/** Builds an error of a driver class without running its constructor's side conditions. */
function instanceOf<T extends object>(cls: { prototype: T }, fields: Partial<T> = {}): T {
  return Object.assign(Object.create(cls.prototype) as T, fields);
}

describe('classifyError', () => {
  it('keeps the status of HttpExceptions', () => {
    expect(classifyError(new NotFoundException())).toEqual({ kind: 'http', status: 404 });
    expect(classifyError(new BadRequestException())).toEqual({ kind: 'http', status: 400 });
  });

  it('makes a page cursor the store rejected a 400', () => {
    expect(classifyError(new InvalidCursorError())).toEqual({ kind: 'bad-request', status: 400 });
  });

  const { mongo } = mongoose;
  it.each([
    ['MongoServerSelectionError', instanceOf(mongo.MongoServerSelectionError)],
    ['MongoNetworkError', new mongo.MongoNetworkError('connection reset')],
    ['MongoNetworkTimeoutError (a subclass)', new mongo.MongoNetworkTimeoutError('timed out')],
    ['MongoNotConnectedError', new mongo.MongoNotConnectedError('not connected')],
    ['MongoTopologyClosedError', new mongo.MongoTopologyClosedError()],
    ['MongooseServerSelectionError', new mongoose.Error.MongooseServerSelectionError('down')],
    ['NoHostAvailableError', new errors.NoHostAvailableError({})],
    ['OperationTimedOutError', new errors.OperationTimedOutError('timed out', '127.0.0.1:9042')],
    [
      'ResponseError unavailable',
      new errors.ResponseError(types.responseErrorCodes.unavailableException, 'unavailable'),
    ],
    [
      'ResponseError write timeout',
      new errors.ResponseError(types.responseErrorCodes.writeTimeout, 'write timeout'),
    ],
    [
      'ResponseError read timeout',
      new errors.ResponseError(types.responseErrorCodes.readTimeout, 'read timeout'),
    ],
    [
      'DualWritePrimaryError',
      new DualWritePrimaryError('mongo', 'create post', 'x', new Error('primary failed')),
    ],
    ['PostLockTimeoutError', new PostLockTimeoutError('x')],
    [
      'an error whose cause is a network error',
      new Error('wrapped', { cause: new mongo.MongoNetworkError('reset') }),
    ],
  ])('makes %s a 503 (as the routed store passes it on)', (_name, error) => {
    // features reach the stores through PhaseRoutedPostStore, which passes a store's failure on
    // as asStoreError does
    expect(classifyError(asStoreError(error))).toEqual({ kind: 'unavailable', status: 503 });
  });

  it('knows no driver itself: a raw driver error is a 500 until a store says what it means', () => {
    expect(classifyError(new mongo.MongoNetworkError('reset'))).toEqual({
      kind: 'unexpected',
      status: 500,
    });
    expect(classifyError(new StoreUnavailableError('down'))).toEqual({
      kind: 'unavailable',
      status: 503,
    });
  });

  it.each([
    ['a TypeError', new TypeError('x is undefined')],
    ['a CQL syntax error', new errors.ResponseError(types.responseErrorCodes.syntaxError, 'bad')],
    ['a duplicate key', instanceOf(mongo.MongoServerError, { code: 11000 })],
    ['a thrown string', 'boom'],
    ['undefined', undefined],
  ])('makes %s a 500', (_name, error) => {
    expect(classifyError(asStoreError(error))).toEqual({ kind: 'unexpected', status: 500 });
  });
});
