import { errors, types } from 'cassandra-driver';
import { CassandraClient } from './cassandra-client';

/** Options of every lightweight transaction (compare-and-set). */
export const LWT = {
  // never retried by the driver: after a timeout the Paxos round may or may not have been
  // applied, and a blind retry would answer "not applied" to our own write
  idempotent: false,
  consistency: types.consistencies.localQuorum,
  serialConsistency: types.consistencies.localSerial,
} as const;

/** Server answers that say the request was refused before anything was proposed. */
const REFUSED = new Set<number>([
  types.responseErrorCodes.syntaxError,
  types.responseErrorCodes.invalid,
  types.responseErrorCodes.unauthorized,
  types.responseErrorCodes.badCredentials,
  types.responseErrorCodes.configError,
  types.responseErrorCodes.alreadyExists,
  types.responseErrorCodes.unprepared,
  types.responseErrorCodes.protocolError,
]);

/**
 * Whether a failed LWT may still have been applied: its answer was lost (client timeout, reset
 * connection after the request was written, no host left) or the server gave up mid-round
 * (write timeout of the CAS, unavailable in the commit phase, overload). A request that never
 * left the client, or that the server refused as invalid, was certainly not applied.
 */
export function outcomeUnknown(error: unknown): boolean {
  if (error instanceof errors.OperationTimedOutError) return true;
  if (error instanceof errors.NoHostAvailableError) {
    return Object.values(error.innerErrors ?? {}).some((inner) => outcomeUnknown(inner));
  }
  const socket = error as { isSocketError?: boolean; requestNotWritten?: boolean };
  if (socket?.isSocketError) return !socket.requestNotWritten;
  if (error instanceof errors.ResponseError) return !REFUSED.has(error.code);
  return false;
}

/** How one LWT's outcome is read back when its answer is lost. */
export interface LwtProof {
  /** The row the LWT conditions on, read at LOCAL_SERIAL (undefined: no row). */
  readBack(): Promise<types.Row | undefined>;
  /** The row carries this attempt's own unique value (its claim id): the LWT was applied. */
  ours(row: types.Row | undefined): boolean;
  /** The LWT's condition still holds on the row: the lost attempt was not applied. */
  open(row: types.Row | undefined): boolean;
}

export interface LwtResult {
  applied: boolean;
  /** The row as the decision saw it (a failed CAS's current values, or the read-back). */
  row?: types.Row;
}

/**
 * Runs an LWT that writes a value unique to the caller (a claim id), and proves its outcome
 * when the answer is lost: the row is read back at LOCAL_SERIAL, which finishes any Paxos round
 * still in flight for it. Our claim id there: applied. The condition no longer holds for
 * another reason: not applied (someone else won). The condition still holds: not applied, and
 * the LWT is sent once more; if that answer says "not applied" the row is read back again, since
 * the new round may have completed our first proposal first. Anything that cannot be proven
 * (the read-back fails too) rethrows the original error, and nothing is reported as done.
 */
export async function provenLwt(
  client: CassandraClient,
  cql: string,
  params: unknown[],
  proof: LwtProof,
): Promise<LwtResult> {
  for (let attempt = 1; ; attempt++) {
    let result: types.ResultSet;
    try {
      result = await client.execute(cql, params, LWT);
    } catch (error) {
      if (!outcomeUnknown(error)) throw error;
      const row = await proof.readBack().catch(() => {
        throw error;
      });
      if (proof.ours(row)) return { applied: true, row };
      if (!proof.open(row)) return { applied: false, row };
      // proven not applied, twice: an outage, not a lost race
      if (attempt >= 2) throw error;
      continue;
    }
    const row = result.first() ?? undefined;
    if (row?.get('[applied]') === true) return { applied: true, row };
    if (attempt === 1) return { applied: false, row };
    // the retry lost: to our own first attempt (completed by this round), or to someone else
    const current = await proof.readBack();
    return { applied: proof.ours(current), row: current };
  }
}
