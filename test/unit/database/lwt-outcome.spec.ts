import { errors, types } from 'cassandra-driver';
import { CassandraClient } from '../../../src/database/cassandra/cassandra-client';
import {
  LWT,
  LwtProof,
  outcomeUnknown,
  provenLwt,
} from '../../../src/database/cassandra/lwt-outcome';

type Row = types.Row;
const row = (values: Record<string, unknown>): Row =>
  ({ get: (name: string) => values[name] }) as unknown as Row;
const resultOf = (r?: Row) => ({ first: () => r ?? null }) as unknown as types.ResultSet;

const OURS = 'claim-ours';
const timedOut = () => new errors.OperationTimedOutError('no answer in 12000ms', '10.0.0.1:9042');

/**
 * A client whose LWT answers are scripted (a result, or an error) and a proof whose read-backs
 * are scripted too; what ran is recorded.
 */
function harness(answers: (Row | Error)[], readBacks: (Row | undefined | Error)[]) {
  const calls: string[] = [];
  const client = {
    execute: jest.fn(async (cql: string, _params: unknown[], options: unknown) => {
      expect(options).toBe(LWT);
      calls.push('lwt');
      const answer = answers.shift();
      if (answer instanceof Error) throw answer;
      return resultOf(answer);
    }),
  } as unknown as CassandraClient;
  const proof: LwtProof = {
    readBack: async () => {
      calls.push('read-back');
      const next = readBacks.shift();
      if (next instanceof Error) throw next;
      return next;
    },
    ours: (r) => r?.get('claim_id') === OURS,
    // the condition: the head is still at version 1
    open: (r) => r?.get('version') === 1,
  };
  return { client, proof, calls };
}

async function run(answers: (Row | Error)[], readBacks: (Row | undefined | Error)[] = []) {
  const { client, proof, calls } = harness(answers, readBacks);
  const result = await provenLwt(
    client,
    'UPDATE h SET version = ? WHERE id = ? IF version = ?',
    [],
    proof,
  );
  return { applied: result.applied, calls };
}

describe('provenLwt: an LWT whose answer is lost is settled by reading it back at SERIAL', () => {
  it('takes an answer as it is: applied, or not with no read-back', async () => {
    expect(await run([row({ '[applied]': true })])).toEqual({ applied: true, calls: ['lwt'] });
    expect(await run([row({ '[applied]': false, version: 2 })])).toEqual({
      applied: false,
      calls: ['lwt'],
    });
  });

  it('lost answer, our claim id in the row: applied, and not sent again', async () => {
    const settled = await run([timedOut()], [row({ version: 2, claim_id: OURS })]);
    expect(settled).toEqual({ applied: true, calls: ['lwt', 'read-back'] });
  });

  it('lost answer, another claim in the row: not applied (someone else won), not sent again', async () => {
    const settled = await run([timedOut()], [row({ version: 2, claim_id: 'theirs' })]);
    expect(settled).toEqual({ applied: false, calls: ['lwt', 'read-back'] });
  });

  it('lost answer, condition still open: proven not applied, sent once more', async () => {
    const settled = await run(
      [timedOut(), row({ '[applied]': true })],
      [row({ version: 1, claim_id: null })],
    );
    expect(settled).toEqual({ applied: true, calls: ['lwt', 'read-back', 'lwt'] });
  });

  it('the second attempt finds our first one completed meanwhile: applied, not a false failure', async () => {
    const settled = await run(
      [timedOut(), row({ '[applied]': false, version: 2 })],
      [row({ version: 1 }), row({ version: 2, claim_id: OURS })],
    );
    expect(settled).toEqual({ applied: true, calls: ['lwt', 'read-back', 'lwt', 'read-back'] });
  });

  it('the second attempt lost to another claim: not applied', async () => {
    const settled = await run(
      [timedOut(), row({ '[applied]': false, version: 2 })],
      [row({ version: 1 }), row({ version: 2, claim_id: 'theirs' })],
    );
    expect(settled.applied).toBe(false);
  });

  it('what it cannot prove fails with the original error', async () => {
    const lost = timedOut();
    // the read-back fails too
    await expect(run([lost], [new Error('read-back failed')])).rejects.toBe(lost);
    // both attempts lost, the condition still open each time: an outage, not a lost race
    const again = timedOut();
    await expect(run([timedOut(), again], [row({ version: 1 }), row({ version: 1 })])).rejects.toBe(
      again,
    );
  });

  it('an error that proves nothing was applied is passed on without a read-back', async () => {
    const invalid = new errors.ResponseError(types.responseErrorCodes.invalid, 'bad column');
    const { client, proof, calls } = harness([invalid], []);
    await expect(provenLwt(client, 'x', [], proof)).rejects.toBe(invalid);
    expect(calls).toEqual(['lwt']);
  });
});

describe('outcomeUnknown', () => {
  const socket = (requestNotWritten: boolean) =>
    Object.assign(new Error('socket reset'), { isSocketError: true, requestNotWritten });

  it.each([
    ['a client timeout', timedOut(), true],
    ['a reset after the request was written', socket(false), true],
    ['a reset before the request was written', socket(true), false],
    [
      'a server write timeout (CAS)',
      new errors.ResponseError(types.responseErrorCodes.writeTimeout, 'CAS'),
      true,
    ],
    [
      'unavailable (possibly in the commit phase)',
      new errors.ResponseError(types.responseErrorCodes.unavailableException, 'x'),
      true,
    ],
    ['an invalid request', new errors.ResponseError(types.responseErrorCodes.invalid, 'x'), false],
    ['a syntax error', new errors.ResponseError(types.responseErrorCodes.syntaxError, 'x'), false],
    [
      'no host, one of them after writing',
      new errors.NoHostAvailableError({ a: socket(true), b: timedOut() }),
      true,
    ],
    ['no host, none reached', new errors.NoHostAvailableError({ a: socket(true) }), false],
    ['a programming error', new TypeError('x is undefined'), false],
  ])('%s', (_what, error, unknown) => {
    expect(outcomeUnknown(error)).toBe(unknown);
  });
});
