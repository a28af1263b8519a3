import {
  ReplicationParseError,
  parseReplication,
  renderReplication,
} from '../../../src/config/replication';

describe('replication', () => {
  it('reads a bare integer as SimpleStrategy', () => {
    expect(parseReplication('3')).toEqual({ strategy: 'SimpleStrategy', replicationFactor: 3 });
    expect(renderReplication(parseReplication('1'))).toBe(
      "{'class': 'SimpleStrategy', 'replication_factor': 1}",
    );
  });

  it('reads dc:factor pairs as NetworkTopologyStrategy, in the given order', () => {
    const settings = parseReplication('dc1:3, dc2:2');
    expect(settings).toEqual({
      strategy: 'NetworkTopologyStrategy',
      dataCenters: { dc1: 3, dc2: 2 },
    });
    expect(renderReplication(settings)).toBe(
      "{'class': 'NetworkTopologyStrategy', 'dc1': 3, 'dc2': 2}",
    );
  });

  it.each(['', '0', '-1', 'abc', 'dc1', 'dc1:', ':3', 'dc1:3:4', 'dc1:0', "d'c:1", 'dc1:3,dc1:1'])(
    'rejects %j',
    (raw) => {
      expect(() => parseReplication(raw)).toThrow(ReplicationParseError);
    },
  );

  it('refuses to render a data center name that could break out of the CQL literal', () => {
    expect(() =>
      renderReplication({
        strategy: 'NetworkTopologyStrategy',
        dataCenters: { "dc1': 1}; DROP KEYSPACE blog; --": 1 },
      }),
    ).toThrow(ReplicationParseError);
  });
});
