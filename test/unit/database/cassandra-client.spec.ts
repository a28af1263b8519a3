import { Client, policies, types } from 'cassandra-driver';
import { loadConfig } from '../../../src/config/app-config';
import {
  CassandraClient,
  cassandraClientOptions,
} from '../../../src/database/cassandra/cassandra-client';

describe('CassandraClient', () => {
  const config = loadConfig({
    CASSANDRA_CONTACT_POINTS: '10.0.0.1:19042,10.0.0.2',
    CASSANDRA_LOCAL_DC: 'dc-east',
    CASSANDRA_KEYSPACE: 'blog_test',
  });

  afterEach(() => jest.restoreAllMocks());

  it('connects without a keyspace, prepared, at LOCAL_QUORUM, reconnecting within 5 s', () => {
    const options = cassandraClientOptions(config);
    expect(options.keyspace).toBeUndefined();
    expect(options.contactPoints).toEqual(['10.0.0.1:19042', '10.0.0.2']);
    expect(options.localDataCenter).toBe('dc-east');
    expect(options.protocolOptions?.port).toBe(19042);
    expect(options.queryOptions).toEqual({
      consistency: types.consistencies.localQuorum,
      prepare: true,
    });
    const reconnection = options.policies?.reconnection;
    expect(reconnection).toBeInstanceOf(policies.reconnection.ExponentialReconnectionPolicy);
    const schedule = reconnection!.newSchedule();
    const delays = [...Array(8)].map(() => schedule.next().value as number);
    expect(Math.max(...delays)).toBeLessThanOrEqual(5000 * 1.15);
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(1000 * 0.85);
  });

  it('qualifies tables with the keyspace', () => {
    const client = new CassandraClient(config);
    expect(client.keyspace).toBe('blog_test');
    expect(client.table('posts_by_id')).toBe('blog_test.posts_by_id');
  });

  it('prepares every query and passes idempotence, consistency and timestamp through', async () => {
    const execute = jest
      .spyOn(Client.prototype, 'execute')
      .mockResolvedValue({ rows: [], pageState: null } as unknown as types.ResultSet as never);
    const client = new CassandraClient(config);
    await client.execute('SELECT 1', [], { idempotent: true });
    await client.execute('UPDATE t SET a = ? WHERE id = ?', [1, 'x'], {
      idempotent: false,
      consistency: types.consistencies.one,
      timestamp: 42,
    });
    expect(execute.mock.calls.map((call) => (call as unknown[])[2])).toEqual([
      { prepare: true, isIdempotent: true },
      { prepare: true, isIdempotent: false, consistency: types.consistencies.one, timestamp: 42 },
    ]);
  });

  it('pages through every row with the page state', async () => {
    const pages = [
      { rows: [{ n: 1 }, { n: 2 }], pageState: 'p2' },
      { rows: [{ n: 3 }], pageState: null },
    ];
    const execute = jest
      .spyOn(Client.prototype, 'execute')
      .mockImplementation((async () => pages.shift()) as never);
    const client = new CassandraClient(config);
    const rows: unknown[] = [];
    for await (const row of client.rows('SELECT n FROM t', [], {
      idempotent: true,
      fetchSize: 2,
    })) {
      rows.push(row);
    }
    expect(rows).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect(execute.mock.calls.map((call) => (call as unknown[])[2])).toEqual([
      { prepare: true, isIdempotent: true, fetchSize: 2 },
      { prepare: true, isIdempotent: true, fetchSize: 2, pageState: 'p2' },
    ]);
  });

  it('sends a batch as prepared, logged unless told otherwise', async () => {
    const batch = jest.spyOn(Client.prototype, 'batch').mockResolvedValue({} as never);
    const client = new CassandraClient(config);
    await client.batch([{ query: 'INSERT 1', params: [1] }], { idempotent: true });
    await client.batch([], { idempotent: true });
    expect(batch).toHaveBeenCalledTimes(1);
    // an idempotent batch carries the write timestamp a resend would repeat (node-loss-retry.ts)
    expect(batch.mock.calls[0][1]).toEqual({
      prepare: true,
      isIdempotent: true,
      logged: true,
      timestamp: expect.anything(),
    });
  });
});
