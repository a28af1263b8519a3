import { errors, types } from 'cassandra-driver';

/**
 * A replica that just died (SIGKILL, a lost machine) is still "up" for the other nodes until
 * their failure detector convicts it, some 10–25 s later. Until then a coordinator may wait on
 * it and answer a read or write timeout (a read sent to it, or a logged batch whose batchlog
 * went to it), although a quorum of live replicas exists. The retry policy's one retry on
 * another coordinator can meet the same dead replica, so an idempotent statement that gets a
 * server-side timeout is sent again after a pause, until CASSANDRA_NODE_LOSS_RETRY_MS has
 * passed: by then the dead node is convicted and left out (docs/cassandra-driver.md).
 *
 * Only server-side read/write timeouts qualify: "unavailable" means too few live replicas, which
 * waiting does not fix (the request is refused at once, and says so), and a client-side timeout
 * already used the whole driver timeout.
 */
export function isNodeLossTimeout(error: unknown): boolean {
  if (!(error instanceof errors.ResponseError)) return false;
  return (
    error.code === types.responseErrorCodes.readTimeout ||
    error.code === types.responseErrorCodes.writeTimeout
  );
}

/** The pause before resend n (0-based): 250 ms doubling to at most 2 s. */
export function nodeLossDelayMs(attempt: number): number {
  return Math.min(2000, 250 * 2 ** attempt);
}

export interface NodeLossRetryOptions {
  /** How long, from the first attempt, a statement may be resent (0: never). */
  budgetMs: number;
  /** Called before each resend, with the error it answers and the pause. */
  onRetry?: (error: unknown, delayMs: number) => void;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs `attempt` and resends it after a node-loss timeout while the budget allows. The caller
 * makes sure every attempt is the same statement at the same write timestamp, so a resend that
 * meets an earlier attempt's write changes nothing.
 */
export async function retryOnNodeLoss<T>(
  attempt: () => Promise<T>,
  options: NodeLossRetryOptions,
): Promise<T> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? realSleep;
  const deadline = now() + options.budgetMs;
  for (let n = 0; ; n++) {
    try {
      return await attempt();
    } catch (error) {
      const delay = nodeLossDelayMs(n);
      if (!isNodeLossTimeout(error) || now() + delay > deadline) throw error;
      options.onRetry?.(error, delay);
      await sleep(delay);
    }
  }
}
