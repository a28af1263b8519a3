import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  cassandraNodeHost,
  cassandraNodeToken,
  CassandraService,
  CLUSTER_NODE_SPEEDUPS,
} from './cassandra-service';
import { CASSANDRA_VERSION, loadStackSettings } from './stack-settings';
import { Stack } from './stack';

/** Settings on a throw-away folder, with a cache holding the one jar command() looks for. */
function settings(env: Record<string, string> = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stack-cluster-'));
  const lib = path.join(dir, 'cache', `cassandra-${CASSANDRA_VERSION}`, 'lib');
  fs.mkdirSync(lib, { recursive: true });
  fs.writeFileSync(path.join(lib, 'jamm-0.4.0.jar'), '');
  return loadStackSettings({
    STACK_DIR: path.join(dir, 'stack'),
    STACK_CACHE_DIR: path.join(dir, 'cache'),
    STACK_CASSANDRA_PORT: '19062',
    STACK_CASSANDRA_STORAGE_PORT: '17060',
    STACK_MONGO_PORT: '27062',
    ...env,
  });
}

function yamlOf(service: CassandraService): Record<string, string> {
  service.prepare();
  const text = fs.readFileSync(path.join(service.home, 'cassandra.yaml'), 'utf8');
  return Object.fromEntries(
    text
      .split('\n')
      .map((line) => /^([a-z_]+): (.*)$/.exec(line))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [m[1], m[2]]),
  );
}

describe('Cassandra nodes of the local stack', () => {
  it('splits the Murmur3 ring in thirds from token 0 (node 1 keeps the single-node token)', () => {
    const tokens = [1, 2, 3].map((n) => BigInt(cassandraNodeToken(n)));
    expect(tokens.map(String)).toEqual(['0', '6148914691236517205', '-6148914691236517206']);
    for (const token of tokens) {
      expect(token >= -(2n ** 63n) && token < 2n ** 63n).toBe(true);
    }
    expect(cassandraNodeHost(3)).toBe('127.0.0.3');
  });

  it('a single-node stack keeps its folder, address, token and start-up speed-ups', () => {
    const stack = new Stack(settings());
    expect(stack.cassandraNodes).toHaveLength(1);
    const node = stack.services.cassandra;
    expect(node.home).toBe(path.join(stack.settings.dir, 'cassandra'));
    expect(yamlOf(node)).toMatchObject({
      initial_token: '0',
      listen_address: '127.0.0.1',
      rpc_address: '127.0.0.1',
    });
    const args = node.command().args;
    expect(args).toEqual(
      expect.arrayContaining([
        '-Xmx1024m',
        '-Dcassandra.ring_delay_ms=0',
        '-Dcassandra.load_ring_state=false',
      ]),
    );
    expect(stack.contactPoints()).toEqual(['127.0.0.1:19062']);
  });

  it('gives each node of a cluster its own address, folders and token, one seed and a smaller heap', () => {
    const stack = new Stack(settings({ STACK_CASSANDRA_NODES: '3' }));
    expect(stack.cassandraNodes.map((n) => n.name)).toEqual([
      'cassandra',
      'cassandra-2',
      'cassandra-3',
    ]);
    expect(stack.contactPoints()).toEqual([
      '127.0.0.1:19062',
      '127.0.0.2:19062',
      '127.0.0.3:19062',
    ]);
    const yamls = stack.cassandraNodes.map(yamlOf);
    const node2 = stack.cassandraNodes[1];
    expect(yamls[1]).toMatchObject({
      cluster_name: 'blog-local',
      num_tokens: '1',
      initial_token: '6148914691236517205',
      listen_address: '127.0.0.2',
      rpc_address: '127.0.0.2',
      storage_port: '17060',
      native_transport_port: '19062',
      data_file_directories: `[${path.join(stack.settings.dir, 'cassandra-2', 'data')}]`,
      commitlog_directory: path.join(stack.settings.dir, 'cassandra-2', 'commitlog'),
      hints_directory: path.join(stack.settings.dir, 'cassandra-2', 'hints'),
    });
    const seeds = stack.cassandraNodes.map(
      (n) =>
        /seeds: "(.*)"/.exec(fs.readFileSync(path.join(n.home, 'cassandra.yaml'), 'utf8'))?.[1],
    );
    expect(seeds).toEqual(['127.0.0.1:17060', '127.0.0.1:17060', '127.0.0.1:17060']);
    expect(new Set(yamls.map((y) => y.initial_token)).size).toBe(3);
    expect(node2.logFile).toBe(path.join(stack.settings.dir, 'cassandra-2', 'logs', 'system.log'));

    const args = node2.command().args;
    expect(args).toEqual(expect.arrayContaining(['-Xms512m', '-Xmx512m', '-Xmn128m']));
    expect(args).toEqual(expect.arrayContaining(CLUSTER_NODE_SPEEDUPS));
    // a joining node must hear the ring before it bootstraps, and restarts keep the ring state
    expect(args).not.toContain('-Dcassandra.ring_delay_ms=0');
    expect(args).not.toContain('-Dcassandra.load_ring_state=false');
    // each node's marker (proof a pid is ours) names its own folder only
    const markers = stack.cassandraNodes.map((n) => n.marker);
    for (const [i, node] of stack.cassandraNodes.entries()) {
      expect(node.command().args.filter((a) => markers.some((m) => a.startsWith(m)))).toEqual([
        `${markers[i]}cassandra.yaml`,
      ]);
    }
  });

  it('knows every node of a stack created as a cluster, also when asked without the count', () => {
    const s = settings({ STACK_CASSANDRA_NODES: '3' });
    fs.mkdirSync(s.dir, { recursive: true });
    fs.writeFileSync(path.join(s.dir, 'cassandra-nodes'), '3\n');
    const plain = new Stack({ ...s, cassandraNodes: 1 });
    expect(plain.cassandraNodes).toHaveLength(3);
    expect(plain.servers('cassandra', 2).map((n) => n.name)).toEqual(['cassandra-2']);
    expect(plain.servers('ferretdb').map((n) => n.name)).toEqual(['ferretdb']);
    expect(() => plain.servers('cassandra', 4)).toThrow(
      'this stack has 3 Cassandra node(s); there is no node 4',
    );
  });

  it('refuses to shrink a cluster, in one line, before starting anything', async () => {
    const s = settings();
    fs.mkdirSync(s.dir, { recursive: true });
    fs.writeFileSync(path.join(s.dir, 'cassandra-nodes'), '3\n');
    const stack = new Stack({ ...s, cassandraNodes: 2, java17: process.execPath });
    // checkTools would want Java 17; the refusal comes first either way
    stack.services.cassandra.checkTools = () => undefined;
    await expect(stack.up(['cassandra'])).rejects.toThrow(
      /^this stack was created with 3 Cassandra nodes and cannot shrink to 2; run `npm run stack -- up` without --cassandra-nodes/,
    );
    expect(fs.existsSync(stack.services.cassandra.pidFile)).toBe(false);
  });
});
