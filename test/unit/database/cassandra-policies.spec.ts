import { Client, policies, types } from 'cassandra-driver';
import { ConfigError, loadConfig } from '../../../src/config/app-config';
import {
  CassandraClient,
  cassandraClientOptions,
} from '../../../src/database/cassandra/cassandra-client';
import {
  ReadSpeculativeExecutionPolicy,
  SafeRetryPolicy,
} from '../../../src/database/cassandra/cassandra-policies';
import { IdempotenceMisuseError } from '../../../src/database/cassandra/cql-idempotence';

// the driver's decision codes (RetryPolicy.retryDecision, missing from its typings)
const { retry: RETRY, rethrow: RETHROW } = (
  policies.retry.RetryPolicy as unknown as { retryDecision: { retry: number; rethrow: number } }
).retryDecision;

/** What the driver hands a retry policy: the statement's idempotence and the retries so far. */
function info(idempotent: boolean, nbRetry: number): policies.retry.OperationInfo {
  return {
    query: 'x',
    nbRetry,
    executionOptions: { isIdempotent: () => idempotent },
  } as unknown as policies.retry.OperationInfo;
}

describe('SafeRetryPolicy', () => {
  const policy = new SafeRetryPolicy();
  // the policy decides by idempotence and retries so far only, whatever the error's details
  const decisions = (idempotent: boolean, nbRetry: number) => [
    policy.onUnavailable(info(idempotent, nbRetry)),
    policy.onReadTimeout(info(idempotent, nbRetry)),
    policy.onWriteTimeout(info(idempotent, nbRetry)),
    policy.onRequestError(info(idempotent, nbRetry)),
  ];

  it('retries an idempotent statement once, on another node, at the same consistency', () => {
    for (const decision of decisions(true, 0)) {
      expect(decision).toEqual({ decision: RETRY, consistency: undefined, useCurrentHost: false });
    }
    for (const decision of decisions(true, 1)) expect(decision.decision).toBe(RETHROW);
  });

  it('never retries a statement not marked idempotent (an LWT), not even on "unavailable"', () => {
    for (const decision of decisions(false, 0)) expect(decision.decision).toBe(RETHROW);
    const reset = Object.assign(new Error('socket reset'), { isSocketError: true });
    expect(policy.onRequestError(info(false, 0), undefined, reset).decision).toBe(RETHROW);
  });

  it('a reset connection: the same host first (another connection), then the next, then no more', () => {
    const reset = Object.assign(new Error('socket reset'), { isSocketError: true });
    expect(policy.onRequestError(info(true, 0), undefined, reset)).toMatchObject({
      decision: RETRY,
      useCurrentHost: true,
    });
    expect(policy.onRequestError(info(true, 1), undefined, reset)).toMatchObject({
      decision: RETRY,
      useCurrentHost: false,
    });
    expect(policy.onRequestError(info(true, 2), undefined, reset).decision).toBe(RETHROW);
  });
});

describe('ReadSpeculativeExecutionPolicy', () => {
  const policy = new ReadSpeculativeExecutionPolicy(150, 2);

  it('speculates a read: two more executions, 150 ms apart', () => {
    const plan = policy.newPlan('blog', 'SELECT body FROM blog.t WHERE id = ?');
    expect([plan.nextExecution(), plan.nextExecution(), plan.nextExecution()]).toEqual([
      150, 150, -1,
    ]);
  });

  it('never speculates a write or a batch, idempotent or not', () => {
    for (const query of [
      'INSERT INTO blog.t (id) VALUES (?) USING TIMESTAMP ?',
      'DELETE FROM blog.t USING TIMESTAMP ? WHERE id = ?',
      'UPDATE blog.t SET v = ? WHERE id = ? IF v = ?',
    ]) {
      expect(policy.newPlan('blog', query).nextExecution()).toBe(-1);
    }
    expect(policy.newPlan('blog', [{ query: 'SELECT 1' }]).nextExecution()).toBe(-1);
  });
});

describe('cassandraClientOptions: retries and speculative execution', () => {
  it('uses the safe retry policy and speculates reads after 200 ms, once, by default', () => {
    const options = cassandraClientOptions(loadConfig({}));
    expect(options.policies?.retry).toBeInstanceOf(SafeRetryPolicy);
    const speculative = options.policies?.speculativeExecution;
    expect(speculative).toBeInstanceOf(ReadSpeculativeExecutionPolicy);
    expect(speculative?.getOptions()).toEqual(
      new Map([
        ['delay', 200],
        ['maxSpeculativeExecutions', 1],
      ]),
    );
  });

  it('reads CASSANDRA_SPECULATIVE_DELAY_MS and _EXECUTIONS; a delay of 0 turns it off', () => {
    const tuned = cassandraClientOptions(
      loadConfig({ CASSANDRA_SPECULATIVE_DELAY_MS: '50', CASSANDRA_SPECULATIVE_EXECUTIONS: '3' }),
    );
    expect(tuned.policies?.speculativeExecution?.getOptions()).toEqual(
      new Map([
        ['delay', 50],
        ['maxSpeculativeExecutions', 3],
      ]),
    );
    const off = cassandraClientOptions(loadConfig({ CASSANDRA_SPECULATIVE_DELAY_MS: '0' }));
    expect(off.policies?.speculativeExecution).toBeInstanceOf(
      policies.speculativeExecution.NoSpeculativeExecutionPolicy,
    );
  });

  it.each([
    ['CASSANDRA_SPECULATIVE_DELAY_MS', '-1', 'an integer from 0 to 60000'],
    ['CASSANDRA_SPECULATIVE_DELAY_MS', '200ms', 'an integer from 0 to 60000'],
    ['CASSANDRA_SPECULATIVE_EXECUTIONS', '0', 'an integer from 1 to 5'],
    ['CASSANDRA_SPECULATIVE_EXECUTIONS', '9', 'an integer from 1 to 5'],
  ])('%s=%s is refused in one line naming it', (name, value, accepts) => {
    let message = '';
    try {
      loadConfig({ [name]: value });
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      message = (error as ConfigError).message;
    }
    expect(message).toBe(message.split('\n')[0]);
    expect(message).toContain(`${name} must be ${accepts}`);
    expect(message).toContain(`(got "${value}")`);
  });
});

describe('CassandraClient refuses a never-idempotent statement marked idempotent', () => {
  afterEach(() => jest.restoreAllMocks());

  it('throws before the driver sees it, in execute and in batch; passes it when not marked', async () => {
    const execute = jest
      .spyOn(Client.prototype, 'execute')
      .mockResolvedValue({ rows: [] } as unknown as types.ResultSet as never);
    const batch = jest.spyOn(Client.prototype, 'batch').mockResolvedValue({} as never);
    const client = new CassandraClient(loadConfig({}));
    const lwt = 'INSERT INTO blog.t (id) VALUES (?) IF NOT EXISTS';
    await expect(client.execute(lwt, ['a'], { idempotent: true })).rejects.toThrow(
      IdempotenceMisuseError,
    );
    await expect(
      client.batch(
        [
          { query: 'INSERT INTO blog.t (id) VALUES (?) USING TIMESTAMP 1', params: ['a'] },
          { query: 'UPDATE blog.c SET n = n + 1 WHERE id = ?', params: ['a'] },
        ],
        { idempotent: true },
      ),
    ).rejects.toThrow('a counter update or list append/prepend');
    expect(execute).not.toHaveBeenCalled();
    expect(batch).not.toHaveBeenCalled();
    await client.execute(lwt, ['a'], { idempotent: false });
    expect(execute).toHaveBeenCalledTimes(1);
  });
});
