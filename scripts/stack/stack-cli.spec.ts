import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseStackArgs, runStackCli, UsageError } from './stack-cli';
import { StackError } from './toolchain';
import {
  cassandraNodesFile,
  loadStackSettings,
  rememberedCassandraNodes,
  StackSettingsError,
} from './stack-settings';

describe('parseStackArgs', () => {
  it('defaults to every service and 40 log lines', () => {
    expect(parseStackArgs(['up'])).toEqual({
      command: 'up',
      services: ['cassandra', 'ferretdb'],
      lines: 40,
    });
  });

  it('accepts mongo as the name of the MongoDB-wire server and dedupes', () => {
    expect(parseStackArgs(['down', 'mongo', 'ferretdb']).services).toEqual(['ferretdb']);
    expect(parseStackArgs(['logs', 'cassandra', '-n', '5'])).toMatchObject({
      services: ['cassandra'],
      lines: 5,
    });
  });

  it.each([[[]], [['start']], [['up', 'redis']], [['logs', '-n', 'x']], [['logs', '-n']]])(
    'rejects %j with a usage error',
    (argv) => {
      expect(() => parseStackArgs(argv as string[])).toThrow(UsageError);
    },
  );

  it('reads the cluster size of up and the node of kill and logs', () => {
    expect(parseStackArgs(['up', '--cassandra-nodes', '3'])).toEqual({
      command: 'up',
      services: ['cassandra', 'ferretdb'],
      lines: 40,
      cassandraNodes: 3,
    });
    expect(parseStackArgs(['kill', 'cassandra', '--node', '2'])).toMatchObject({
      command: 'kill',
      services: ['cassandra'],
      node: 2,
    });
    expect(parseStackArgs(['kill', 'mongo'])).toMatchObject({ services: ['ferretdb'] });
    expect(parseStackArgs(['logs', '--node', '3', 'cassandra'])).toMatchObject({ node: 3 });
  });

  it.each([
    [['up', '--cassandra-nodes'], '--cassandra-nodes needs a node number 1-3'],
    [['up', '--cassandra-nodes', '0'], '--cassandra-nodes needs a node number 1-3'],
    [['up', '--cassandra-nodes', '4'], '--cassandra-nodes needs a node number 1-3'],
    [['up', '--cassandra-nodes', '2.5'], '--cassandra-nodes needs a node number 1-3'],
    [['status', '--cassandra-nodes', '3'], '--cassandra-nodes goes with up only'],
    [['kill', 'cassandra', '--node', 'x'], '--node needs a node number 1-3'],
    [['down', 'cassandra', '--node', '2'], '--node goes with kill or logs only'],
    [['kill', '--node', '2'], '--node picks a Cassandra node: name cassandra alone with it'],
    [['kill', 'ferretdb', '--node', '2'], '--node picks a Cassandra node'],
    [['kill'], 'kill needs a server name (cassandra or ferretdb)'],
  ])('rejects %j in one line: %s', (argv, message) => {
    expect(() => parseStackArgs(argv)).toThrow(UsageError);
    expect(() => parseStackArgs(argv)).toThrow(message);
    try {
      parseStackArgs(argv);
    } catch (err) {
      expect((err as Error).message).not.toContain('\n');
    }
  });
});

describe('loadStackSettings', () => {
  it('uses the standard ports and a 1 GiB heap by default', () => {
    const s = loadStackSettings({});
    expect(s).toMatchObject({
      cassandraPort: 9042,
      cassandraStoragePort: 7000,
      mongoPort: 27017,
      cassandraHeapMb: 1024,
      cacheDir: path.join(os.homedir(), '.cache', 'blog-migration'),
    });
    expect(s.dir.endsWith('/.stack')).toBe(true);
  });

  it('reads ports, folders and the cache from the environment', () => {
    const s = loadStackSettings({
      STACK_DIR: '/tmp/x',
      STACK_CASSANDRA_PORT: '19042',
      STACK_CASSANDRA_STORAGE_PORT: '17000',
      STACK_MONGO_PORT: '27018',
      XDG_CACHE_HOME: '/c',
    });
    expect(s).toMatchObject({
      dir: '/tmp/x',
      cassandraPort: 19042,
      cassandraStoragePort: 17000,
      mongoPort: 27018,
      cacheDir: '/c/blog-migration',
    });
  });

  it('is one node with a 1 GiB heap unless asked for more; a cluster gets 512 MiB per node', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stack-settings-'));
    expect(loadStackSettings({ STACK_DIR: dir })).toMatchObject({
      cassandraNodes: 1,
      cassandraHeapMb: 1024,
    });
    expect(loadStackSettings({ STACK_DIR: dir, STACK_CASSANDRA_NODES: '3' })).toMatchObject({
      cassandraNodes: 3,
      cassandraHeapMb: 512,
    });
    // the flag wins over the variable, and STACK_CASSANDRA_HEAP_MB over the cluster default
    expect(
      loadStackSettings(
        { STACK_DIR: dir, STACK_CASSANDRA_NODES: '3', STACK_CASSANDRA_HEAP_MB: '700' },
        { cassandraNodes: 2 },
      ),
    ).toMatchObject({ cassandraNodes: 2, cassandraHeapMb: 700 });
  });

  it('remembers the node count the stack was created with', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stack-settings-'));
    fs.writeFileSync(cassandraNodesFile(dir), '3\n');
    expect(rememberedCassandraNodes(dir)).toBe(3);
    expect(loadStackSettings({ STACK_DIR: dir })).toMatchObject({
      cassandraNodes: 3,
      cassandraHeapMb: 512,
    });
    expect(loadStackSettings({ STACK_DIR: dir, STACK_CASSANDRA_NODES: '1' }).cassandraNodes).toBe(
      1,
    );
    fs.writeFileSync(cassandraNodesFile(dir), 'garbage\n');
    expect(rememberedCassandraNodes(dir)).toBeUndefined();
  });

  it.each([
    [{ STACK_CASSANDRA_NODES: '0' }, /STACK_CASSANDRA_NODES must be an integer 1-3 \(got "0"\)/],
    [{ STACK_CASSANDRA_NODES: 'three' }, /STACK_CASSANDRA_NODES must be an integer 1-3/],
    [{ STACK_CASSANDRA_NODES: '4' }, /STACK_CASSANDRA_NODES must be an integer 1-3/],
    [
      { STACK_CASSANDRA_NODES: '3', STACK_CASSANDRA_AUTH: '1' },
      /STACK_CASSANDRA_AUTH and STACK_CASSANDRA_TLS work with one Cassandra node only/,
    ],
    [{ STACK_MONGO_PORT: 'abc' }, /STACK_MONGO_PORT must be a TCP port/],
    [{ STACK_CASSANDRA_PORT: '70000' }, /STACK_CASSANDRA_PORT must be a TCP port/],
    [{ STACK_CASSANDRA_HEAP_MB: '4096' }, /STACK_CASSANDRA_HEAP_MB must be an integer 1-1024/],
    [{ STACK_MONGO_PORT: '9042' }, /must differ/],
    [
      { STACK_MONGO_PORT: '40000' },
      /STACK_MONGO_PORT=40000 is in this machine's ephemeral port range/,
    ],
  ])('rejects %j', (env, message) => {
    expect(() => loadStackSettings(env)).toThrow(StackSettingsError);
    expect(() => loadStackSettings(env)).toThrow(message);
  });
});

describe('npm run stack: the cluster commands without servers', () => {
  const saved = { ...process.env };
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stack-flags-'));
    Object.assign(process.env, {
      STACK_DIR: dir,
      STACK_CASSANDRA_PORT: '19062',
      STACK_CASSANDRA_STORAGE_PORT: '17060',
      STACK_MONGO_PORT: '27062',
      STACK_CASSANDRA_NODES: '',
    });
  });
  afterEach(() => {
    process.env = { ...saved };
  });

  /** runStackCli as main() runs it: its lines, or the one-line message main() prints. */
  async function run(args: string[]): Promise<string[]> {
    const lines: string[] = [];
    await runStackCli(args, (line) => lines.push(line));
    return lines;
  }

  it.each([
    [['up', '--cassandra-nodes', '4'], '', UsageError, '--cassandra-nodes needs a node number 1-3'],
    [
      ['kill', 'cassandra', '--node', '3'],
      '',
      StackError,
      'this stack has 1 Cassandra node(s); there is no node 3',
    ],
    [
      ['up', '--cassandra-nodes', '2', 'cassandra'],
      '3\n',
      StackError,
      'this stack was created with 3 Cassandra nodes and cannot shrink to 2;',
    ],
  ])('%j fails with one line and starts nothing', async (args, remembered, kind, message) => {
    if (remembered) fs.writeFileSync(cassandraNodesFile(dir), remembered);
    const failure = await run(args).catch((err: Error) => err);
    expect(failure).toBeInstanceOf(kind);
    expect((failure as Error).message.startsWith(message)).toBe(true);
    expect((failure as Error).message).not.toContain('\n');
    expect(fs.readdirSync(dir).filter((f) => f !== 'cassandra-nodes')).toEqual([]);
  });

  it('kill on a cluster that is not running names each node', async () => {
    fs.writeFileSync(cassandraNodesFile(dir), '3\n');
    expect(await run(['kill', 'cassandra'])).toEqual([
      'cassandra   was not running',
      'cassandra-2 was not running',
      'cassandra-3 was not running',
    ]);
  });

  it('main() turns a bad flag into one line on stderr and exit 1', () => {
    const result = spawnSync(
      process.execPath,
      [path.join(__dirname, '..', 'run-stack.js'), 'up', '--cassandra-nodes', '9'],
      { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' }, encoding: 'utf8' },
    );
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe('stack: --cassandra-nodes needs a node number 1-3\n');
  });
});
