import { Client, errors, types } from 'cassandra-driver';
import { ConfigError, loadConfig } from '../../../src/config/app-config';
import { CassandraClient } from '../../../src/database/cassandra/cassandra-client';
import {
  isNodeLossTimeout,
  nodeLossDelayMs,
  retryOnNodeLoss,
} from '../../../src/database/cassandra/node-loss-retry';

const codes = types.responseErrorCodes;
const readTimeout = () => new errors.ResponseError(codes.readTimeout, 'Operation timed out');
const writeTimeout = () => new errors.ResponseError(codes.writeTimeout, 'Operation timed out');

/** A clock the fake sleep moves forward, so budgets are tested without waiting. */
function fakeTime() {
  let now = 0;
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    sleep: async (ms: number) => {
      slept.push(ms);
      now += ms;
    },
  };
}

describe('retryOnNodeLoss', () => {
  it('counts only server-side read and write timeouts as a node loss', () => {
    expect(isNodeLossTimeout(readTimeout())).toBe(true);
    expect(isNodeLossTimeout(writeTimeout())).toBe(true);
    expect(isNodeLossTimeout(new errors.ResponseError(codes.unavailableException, 'x'))).toBe(
      false,
    );
    expect(isNodeLossTimeout(new errors.ResponseError(codes.overloaded, 'x'))).toBe(false);
    expect(isNodeLossTimeout(new errors.OperationTimedOutError('client-side', '127.0.0.1'))).toBe(
      false,
    );
    expect(isNodeLossTimeout(new Error('Operation timed out'))).toBe(false);
  });

  it('pauses 250 ms, doubling to 2 s at most', () => {
    expect([0, 1, 2, 3, 4, 9].map(nodeLossDelayMs)).toEqual([250, 500, 1000, 2000, 2000, 2000]);
  });

  it('resends after each timeout until an attempt succeeds', async () => {
    const time = fakeTime();
    const answers: Array<Error | string> = [readTimeout(), writeTimeout(), readTimeout(), 'ok'];
    const attempt = jest.fn(async () => {
      const next = answers.shift()!;
      if (next instanceof Error) throw next;
      return next;
    });
    const onRetry = jest.fn();
    await expect(retryOnNodeLoss(attempt, { budgetMs: 30_000, onRetry, ...time })).resolves.toBe(
      'ok',
    );
    expect(attempt).toHaveBeenCalledTimes(4);
    expect(time.slept).toEqual([250, 500, 1000]);
    expect(onRetry.mock.calls.map((call) => call[1])).toEqual([250, 500, 1000]);
  });

  it('gives up with the last timeout once the next pause would pass the budget', async () => {
    const time = fakeTime();
    const attempt = jest.fn(async () => {
      throw writeTimeout();
    });
    await expect(retryOnNodeLoss(attempt, { budgetMs: 5000, ...time })).rejects.toMatchObject({
      code: codes.writeTimeout,
    });
    // 250 + 500 + 1000 + 2000 = 3750; one more 2 s pause would end at 5750 > 5000
    expect(time.slept).toEqual([250, 500, 1000, 2000]);
    expect(attempt).toHaveBeenCalledTimes(5);
  });

  it('throws any other error at once, and resends nothing with a budget of 0', async () => {
    const time = fakeTime();
    const unavailable = new errors.ResponseError(codes.unavailableException, 'Cannot achieve');
    const refused = jest.fn(async () => {
      throw unavailable;
    });
    await expect(retryOnNodeLoss(refused, { budgetMs: 30_000, ...time })).rejects.toBe(unavailable);
    expect(refused).toHaveBeenCalledTimes(1);
    const timedOut = jest.fn(async () => {
      throw readTimeout();
    });
    await expect(retryOnNodeLoss(timedOut, { budgetMs: 0, ...time })).rejects.toMatchObject({
      code: codes.readTimeout,
    });
    expect(timedOut).toHaveBeenCalledTimes(1);
    expect(time.slept).toEqual([]);
  });
});

describe('CassandraClient resends idempotent statements after a node loss', () => {
  afterEach(() => jest.restoreAllMocks());

  function client(env: Record<string, string> = {}) {
    return new CassandraClient(loadConfig({ CASSANDRA_KEYSPACE: 'blog_test', ...env }));
  }

  /** Client.execute answering each call from `answers`, recording the options it got. */
  function scriptedExecute(answers: Array<Error | undefined>) {
    return jest.spyOn(Client.prototype, 'execute').mockImplementation((async () => {
      const next = answers.shift();
      if (next) throw next;
      return { rows: [] };
    }) as never);
  }

  it('sends an idempotent write again at the timestamp of its first attempt', async () => {
    const execute = scriptedExecute([writeTimeout(), undefined]);
    await client().execute('UPDATE t SET a = ? WHERE id = ?', [1, 'x'], { idempotent: true });
    expect(execute).toHaveBeenCalledTimes(2);
    const [first, second] = execute.mock.calls.map((call) => (call as unknown[])[2]) as Array<{
      timestamp?: unknown;
    }>;
    expect(first.timestamp).toBeDefined();
    expect(second).toEqual(first);
    // the driver's monotonic clock, in microseconds
    const micros = Number(String(first.timestamp));
    expect(Math.abs(micros / 1000 - Date.now())).toBeLessThan(60_000);
  });

  it('keeps a caller-given timestamp, and gives a read none', async () => {
    const execute = scriptedExecute([readTimeout(), undefined, undefined]);
    const cassandra = client();
    await cassandra.execute('SELECT a FROM t WHERE id = ?', ['x'], { idempotent: true });
    await cassandra.execute('UPDATE t SET a = ? WHERE id = ?', [1, 'x'], {
      idempotent: true,
      timestamp: 42,
    });
    expect(execute.mock.calls.map((call) => (call as unknown[])[2])).toEqual([
      { prepare: true, isIdempotent: true },
      { prepare: true, isIdempotent: true },
      { prepare: true, isIdempotent: true, timestamp: 42 },
    ]);
  });

  it('never resends a statement not marked idempotent, nor any with the setting at 0', async () => {
    const lwt = scriptedExecute([writeTimeout()]);
    await expect(
      client().execute('UPDATE t SET a = ? WHERE id = ? IF a = ?', [1, 'x', 0], {
        idempotent: false,
      }),
    ).rejects.toMatchObject({ code: codes.writeTimeout });
    expect(lwt).toHaveBeenCalledTimes(1);
    expect((lwt.mock.calls[0] as unknown[])[2]).toEqual({ prepare: true, isIdempotent: false });
    jest.restoreAllMocks();

    const off = scriptedExecute([writeTimeout()]);
    await expect(
      client({ CASSANDRA_NODE_LOSS_RETRY_MS: '0' }).execute(
        'UPDATE t SET a = ? WHERE id = ?',
        [1, 'x'],
        {
          idempotent: true,
        },
      ),
    ).rejects.toMatchObject({ code: codes.writeTimeout });
    expect(off).toHaveBeenCalledTimes(1);
    expect((off.mock.calls[0] as unknown[])[2]).toEqual({ prepare: true, isIdempotent: true });
  });

  it('resends a logged batch whole, at one pinned timestamp', async () => {
    const answers: Array<Error | undefined> = [writeTimeout(), undefined];
    const batch = jest.spyOn(Client.prototype, 'batch').mockImplementation((async () => {
      const next = answers.shift();
      if (next) throw next;
      return {};
    }) as never);
    await client().batch(
      [
        { query: 'INSERT INTO a (id) VALUES (?)', params: [1] },
        { query: 'INSERT INTO b (id) VALUES (?)', params: [1] },
      ],
      { idempotent: true },
    );
    expect(batch).toHaveBeenCalledTimes(2);
    const [first, second] = batch.mock.calls.map((call) => call[1]) as Array<{
      timestamp?: unknown;
      logged?: boolean;
    }>;
    expect(first.timestamp).toBeDefined();
    expect(first.logged).toBe(true);
    expect(second).toEqual(first);
    expect(batch.mock.calls[1][0]).toEqual(batch.mock.calls[0][0]);
  });

  it('reads CASSANDRA_NODE_LOSS_RETRY_MS (default 30 s) and refuses a bad value in one line', () => {
    expect(loadConfig({}).cassandraNodeLossRetryMs).toBe(30_000);
    expect(loadConfig({ CASSANDRA_NODE_LOSS_RETRY_MS: '0' }).cassandraNodeLossRetryMs).toBe(0);
    for (const value of ['-1', '120001', '30s']) {
      let message = '';
      try {
        loadConfig({ CASSANDRA_NODE_LOSS_RETRY_MS: value });
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        message = (error as ConfigError).message;
      }
      expect(message).toBe(message.split('\n')[0]);
      expect(message).toContain('CASSANDRA_NODE_LOSS_RETRY_MS must be an integer from 0 to 120000');
      expect(message).toContain(`(got "${value}")`);
    }
  });
});
