import { errors as cassandraErrors, types } from 'cassandra-driver';
import { MongoNetworkError, MongoNetworkTimeoutError } from 'mongodb';
import { outcomeUnknown } from '../../../src/common/errors/service-errors';
import {
  asStoreError,
  isUnavailable as isTransient,
  mayHaveApplied,
  retryTransient,
  StoreUnavailableError,
} from '../../../src/store/store-errors';

const busy = () =>
  Object.assign(new Error('database is locked (5) (SQLITE_BUSY)'), { name: 'MongoServerError' });
const options = { attempts: 3, firstDelayMs: 1, maxDelayMs: 4 };

describe('retryTransient', () => {
  it('tells transient store errors from the others', () => {
    expect(isTransient(busy())).toBe(true);
    expect(isTransient(Object.assign(new Error('x'), { name: 'MongoNetworkError' }))).toBe(true);
    expect(
      isTransient(Object.assign(new Error('E11000 duplicate key'), { name: 'MongoServerError' })),
    ).toBe(false);
    expect(isTransient(new Error('a bug'))).toBe(false);
    // a Cassandra node that died with the request on its connection (seen in fault test 2: a 500)
    const driverError = (message: string) =>
      Object.assign(new Error(message), { name: 'DriverError' });
    expect(
      isTransient(Object.assign(driverError('Socket was closed'), { isSocketError: true })),
    ).toBe(true);
    expect(isTransient(driverError('a driver bug'))).toBe(false);
  });

  describe('with fake timers (exact pauses, whatever the machine load)', () => {
    beforeEach(() => jest.useFakeTimers());
    afterEach(() => jest.useRealTimers());

    it('retries a transient error with growing pauses, then succeeds', async () => {
      const delays: number[] = [];
      const started = Date.now();
      const calledAt: number[] = [];
      const result = retryTransient(
        async () => {
          calledAt.push(Date.now() - started);
          if (calledAt.length < 3) throw busy();
          return 'done';
        },
        { ...options, onRetry: (_error, _attempt, delayMs) => delays.push(delayMs) },
      );
      await jest.advanceTimersByTimeAsync(3);
      await expect(result).resolves.toBe('done');
      expect(delays).toEqual([1, 2]);
      // it really pauses that long before each retry
      expect(calledAt).toEqual([0, 1, 3]);
    });

    it('pauses no longer than maxDelayMs', async () => {
      const started = Date.now();
      const calledAt: number[] = [];
      const result = retryTransient(
        async () => {
          calledAt.push(Date.now() - started);
          throw busy();
        },
        { attempts: 5, firstDelayMs: 1, maxDelayMs: 4 },
      ).catch((error: unknown) => error);
      await jest.advanceTimersByTimeAsync(11);
      expect(await result).toMatchObject({ message: expect.stringMatching(/SQLITE_BUSY/) });
      expect(calledAt).toEqual([0, 1, 3, 7, 11]); // pauses of 1, 2, 4 and 4 ms
    });

    it('gives up after the last attempt, and at once on any other error', async () => {
      let calls = 0;
      const lastAttempt = retryTransient(async () => {
        calls++;
        throw busy();
      }, options);
      const rejected = expect(lastAttempt).rejects.toThrow(/SQLITE_BUSY/);
      await jest.advanceTimersByTimeAsync(3);
      await rejected;
      expect(calls).toBe(3);
      calls = 0;
      await expect(
        retryTransient(async () => {
          calls++;
          throw new Error('a bug');
        }, options),
      ).rejects.toThrow('a bug');
      expect(calls).toBe(1);
      expect(jest.getTimerCount()).toBe(0);
    });
  });
});

describe('mayHaveApplied: a lost answer told apart from a refusal', () => {
  const named = (name: string) => Object.assign(new Error(name), { name });
  const cassandra = (code: number, info?: object) =>
    Object.assign(new cassandraErrors.ResponseError(code, 'coordinator said no'), { info });
  const codes = types.responseErrorCodes;

  it.each([
    ['a MongoDB socket timeout after sending', new MongoNetworkTimeoutError('timed out'), true],
    ['a MongoDB connection dropped mid-operation', new MongoNetworkError('closed'), true],
    [
      'a MongoDB connection refused (never sent)',
      new MongoNetworkError('connect ECONNREFUSED 127.0.0.1:27018', {
        cause: Object.assign(new Error('connect ECONNREFUSED'), {
          syscall: 'connect',
          code: 'ECONNREFUSED',
        }),
      }),
      false,
    ],
    [
      'a MongoDB socket closed while connecting',
      new MongoNetworkError('Socket closed after 3 during connection establishment'),
      false,
    ],
    [
      'the Cassandra driver giving up on a coordinator',
      new cassandraErrors.OperationTimedOutError('no answer'),
      true,
    ],
    [
      'a Cassandra write timeout (replicas may have it)',
      cassandra(codes.writeTimeout, { writeType: 'SIMPLE' }),
      true,
    ],
    [
      'an LWT claim timeout (the data it guards is written only after it)',
      cassandra(codes.writeTimeout, { writeType: 'CAS' }),
      false,
    ],
    [
      'a Cassandra connection reset after the request was written',
      Object.assign(new Error('socket closed'), { isSocketError: true, requestNotWritten: false }),
      true,
    ],
    [
      'a Cassandra connection reset before the request was written',
      Object.assign(new Error('socket closed'), { isSocketError: true, requestNotWritten: true }),
      false,
    ],
    [
      'a batchlog write timeout (the batch was not applied)',
      cassandra(codes.writeTimeout, { writeType: 'BATCH_LOG' }),
      false,
    ],
    [
      'Cassandra Unavailable (refused before writing)',
      cassandra(codes.unavailableException),
      false,
    ],
    ['Cassandra Overloaded', cassandra(codes.overloaded), false],
    ['no MongoDB server to send it to', named('MongoServerSelectionError'), false],
    [
      'a busy SQLite',
      Object.assign(new Error('database is locked (5) (SQLITE_BUSY)'), {
        name: 'MongoServerError',
      }),
      false,
    ],
    ['a bug', new Error('a bug'), false],
  ])('%s: %s', (_what, error, unknown) => {
    expect(mayHaveApplied(error)).toBe(unknown);
    expect(outcomeUnknown(asStoreError(error))).toBe(unknown && isTransient(error));
  });

  it('looks into every host a NoHostAvailableError tried, and through wrappers', () => {
    const refused = new cassandraErrors.NoHostAvailableError({ '127.0.0.2:9042': named('Error') });
    const timedOut = new cassandraErrors.NoHostAvailableError({
      '127.0.0.2:9042': named('Error'),
      '127.0.0.3:9042': new cassandraErrors.OperationTimedOutError('no answer'),
    });
    expect(mayHaveApplied(refused)).toBe(false);
    expect(mayHaveApplied(timedOut)).toBe(true);
    const wrapped = new StoreUnavailableError(
      'primary failed',
      new StoreUnavailableError('x', timedOut),
    );
    expect(wrapped.outcomeUnknown).toBe(true);
    expect(outcomeUnknown(new Error('outer', { cause: wrapped }))).toBe(true);
    expect(new StoreUnavailableError('down (test)').outcomeUnknown).toBe(false);
  });
});
