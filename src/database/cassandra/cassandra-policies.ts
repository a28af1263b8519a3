import { policies, types } from 'cassandra-driver';
import { CqlIdempotenceCheck } from './cql-idempotence';

type OperationInfo = policies.retry.OperationInfo;
type DecisionInfo = policies.retry.DecisionInfo;

/**
 * The app's retry rules (docs/cassandra-driver.md):
 * - a statement not marked idempotent is never retried by the policy: after a timeout, a reset
 *   connection or even "unavailable" (an LWT's commit phase can report it after its proposal was
 *   accepted) nobody knows whether it was applied. The code that issued it proves the outcome
 *   instead (an LWT is read back at SERIAL, see lwt-outcome.ts);
 * - an idempotent one is retried once, on the next host of the query plan, after a timed-out
 *   request, an overloaded or bootstrapping node, "unavailable", or a server-side read/write
 *   timeout: at most two attempts, so a request ends within twice the read timeout;
 * - after a reset connection (which fails at once) it is retried up to twice: first on the same
 *   host, which takes another of its connections or, having none left, the next host; then on
 *   the next host. A one-node cluster so survives a dropped connection, and a cluster a node
 *   that died with requests on both of its connections;
 * - the driver itself resends a request that never left the client (written to no socket),
 *   idempotent or not: that one provably was not applied.
 */
export class SafeRetryPolicy extends policies.retry.RetryPolicy {
  override onUnavailable(info: OperationInfo): DecisionInfo {
    return this.once(info);
  }

  override onReadTimeout(info: OperationInfo): DecisionInfo {
    return this.once(info);
  }

  override onWriteTimeout(info: OperationInfo): DecisionInfo {
    return this.once(info);
  }

  override onRequestError(
    info: OperationInfo,
    _consistency?: types.consistencies,
    error?: Error,
  ): DecisionInfo {
    if ((error as { isSocketError?: boolean } | undefined)?.isSocketError) {
      if (!info.executionOptions.isIdempotent() || info.nbRetry > 1) return this.rethrowResult();
      return this.retry(info.nbRetry === 0);
    }
    return this.once(info);
  }

  private once(info: OperationInfo): DecisionInfo {
    if (!info.executionOptions.isIdempotent() || info.nbRetry > 0) return this.rethrowResult();
    // another coordinator: the one that failed is the likeliest to fail again
    return this.retry(false);
  }

  private retry(useCurrentHost: boolean): DecisionInfo {
    // undefined consistency: the statement's own
    return this.retryResult(undefined as unknown as types.consistencies, useCurrentHost);
  }
}

/** A plan that never starts another execution. */
const NO_MORE = { nextExecution: () => -1 };

/**
 * Speculative execution for reads only: `executions` more attempts on other hosts, `delayMs`
 * apart, for a SELECT that has not answered yet; the first answer wins. The driver speculates
 * every idempotent statement alike, and idempotent writes (retried once on failure) are kept
 * out here, so a slow node doubles no write load; batches are writes too.
 */
export class ReadSpeculativeExecutionPolicy
  extends policies.speculativeExecution.ConstantSpeculativeExecutionPolicy
{
  private readonly statements = new CqlIdempotenceCheck();

  constructor(
    readonly delayMs: number,
    readonly executions: number,
  ) {
    super(delayMs, executions);
  }

  override newPlan(
    keyspace: string,
    query: string | Array<object>,
  ): { nextExecution: () => number } {
    if (typeof query !== 'string' || this.statements.verdict(query).kind !== 'read') {
      return NO_MORE;
    }
    return super.newPlan(keyspace, query) as { nextExecution: () => number };
  }
}

/** The speculative execution policy for CASSANDRA_SPECULATIVE_DELAY_MS (0 = none). */
export function speculativeExecutionPolicy(
  delayMs: number,
  executions: number,
): policies.speculativeExecution.SpeculativeExecutionPolicy {
  if (delayMs === 0) return new policies.speculativeExecution.NoSpeculativeExecutionPolicy();
  return new ReadSpeculativeExecutionPolicy(delayMs, executions);
}
