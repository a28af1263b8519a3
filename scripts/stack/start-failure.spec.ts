import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CassandraService } from './cassandra-service';
import { isListening } from './process-control';
import { Stack } from './stack';
import { loadStackSettings } from './stack-settings';
import { ExitedWhileStarting, mask, retriesFreshNode } from './start-failure';

/**
 * What a fake node does on each start (the last entry repeats): answers on its CQL port, or
 * exits as Cassandra does on a startup exception, is SIGKILLed, crashes the JVM (writes a crash
 * report, then dies), or exits right after joining the ring.
 */
type FakeStart = 'serve' | 'exit' | 'kill' | 'crash' | 'exit-after-joining';

/**
 * A node process without Cassandra: a Node.js script that counts its starts in the node's
 * folder, leaves a file in data/ (state of that start) and writes system.log lines as Cassandra
 * would, one of them with a password in it.
 */
const FAKE_NODE = `
const fs = require('fs'), net = require('net'), path = require('path');
const c = JSON.parse(process.argv[1]);
const counter = path.join(c.home, 'starts');
const n = (fs.existsSync(counter) ? Number(fs.readFileSync(counter, 'utf8')) : 0) + 1;
fs.writeFileSync(counter, String(n));
fs.writeFileSync(path.join(c.home, 'data', 'start-' + n), '');
const log = (msg) => fs.appendFileSync(c.log, 'INFO  [main] 2026-12-05 12:00:00,000 Fake.java:1 - ' + msg + '\\n');
log('Node configuration:[keystore_password=hunter2; num_tokens=1]');
log('JOINING: Starting to bootstrap...');
const what = c.starts[Math.min(n, c.starts.length) - 1];
if (what === 'exit') {
  console.log('Exception (java.lang.RuntimeException) encountered during startup: Stream failed');
  process.exit(3);
}
if (what === 'exit-after-joining') {
  log('Node /' + c.host + ':7000 state jump to NORMAL');
  process.exit(1);
}
if (what === 'crash') {
  fs.writeFileSync(path.join(c.home, 'logs', 'hs_err_' + process.pid + '.log'), [
    '#', '# A fatal error has been detected by the Java Runtime Environment:', '#',
    '#  SIGSEGV (0xb) at pc=0x0000, pid=' + process.pid, '#', '# JRE version: fake 17', '',
    'Command Line: -Dsome.password=hunter2', '',
  ].join('\\n'));
}
if (what === 'kill' || what === 'crash') process.kill(process.pid, 'SIGKILL');
net.createServer().listen(c.port, c.host);
`;

function fake(node: CassandraService, starts: FakeStart[]): void {
  node.checkTools = () => undefined;
  node.install = async () => undefined;
  node.isReady = async () => true; // once it listens: waitReady checks the port first
  node.command = () => {
    const config = { home: node.home, log: node.logFile, host: node.host, port: node.port, starts };
    // the marker proves the pid is ours, as Cassandra's -Dcassandra.config does
    const args = ['-e', FAKE_NODE, JSON.stringify(config), `${node.marker}cassandra.yaml`];
    return { bin: process.execPath, args, cwd: node.home };
  };
}

const startsOf = (node: CassandraService) =>
  Number(fs.readFileSync(path.join(node.home, 'starts'), 'utf8'));
const dataOf = (node: CassandraService) => fs.readdirSync(path.join(node.home, 'data')).sort();

/** A CQL and a storage port free on 127.0.0.1-3, below the ephemeral range. */
async function freePorts(): Promise<[number, number]> {
  for (;;) {
    const port = 21_000 + 2 * Math.floor(Math.random() * 4000);
    const taken = await Promise.all(
      [1, 2, 3].flatMap((n) => [port, port + 1].map((p) => isListening(`127.0.0.${n}`, p))),
    );
    if (!taken.includes(true)) return [port, port + 1];
  }
}

describe('a Cassandra node whose first bootstrap fails', () => {
  let dir: string;
  let stack: Stack;
  let logged: string[];

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stack-retry-'));
    const [cql, storage] = await freePorts();
    const settings = loadStackSettings({
      STACK_DIR: path.join(dir, 'stack'),
      STACK_CACHE_DIR: path.join(dir, 'cache'),
      STACK_CASSANDRA_NODES: '3',
      STACK_CASSANDRA_PORT: String(cql),
      STACK_CASSANDRA_STORAGE_PORT: String(storage),
      STACK_READY_TIMEOUT_S: '20',
    });
    logged = [];
    stack = new Stack(settings, (line) => logged.push(line));
  });

  afterEach(async () => {
    await stack.down(['cassandra']);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('is started once more from empty folders, with one line saying why', async () => {
    const [node1, node2, node3] = stack.cassandraNodes;
    fake(node1, ['serve']);
    fake(node2, ['serve']);
    fake(node3, ['exit', 'serve']);

    const reports = await stack.up(['cassandra']);

    expect(reports.map((r) => `${r.server} ${r.action}`)).toEqual([
      'cassandra started',
      'cassandra-2 started',
      'cassandra-3 started',
    ]);
    expect(logged).toEqual([
      'cassandra-3 exited during its first bootstrap (exit code 3: Exception (java.lang.RuntimeException) encountered during startup: Stream failed) and never joined the ring: cleared its data, commitlog, hints and saved_caches folders, starting it once more',
    ]);
    expect(startsOf(node3)).toBe(2);
    expect(dataOf(node3)).toEqual(['start-2']); // the first start's state went
    expect(node3.hasJoined()).toBe(true);
    expect([node1, node2].map(startsOf)).toEqual([1, 1]);
  }, 30_000);

  it('is started at most once more: the second exit fails with both reasons and its logs', async () => {
    const [node1, node2, node3] = stack.cassandraNodes;
    fake(node1, ['serve']);
    fake(node2, ['serve']);
    fake(node3, ['kill', 'crash']);

    const failure = await stack.up(['cassandra']).catch((err: unknown) => err);

    expect(failure).toBeInstanceOf(ExitedWhileStarting);
    const message = (failure as Error).message;
    expect(message).toMatch(
      /^cassandra-3 exited while starting \(killed by SIGKILL: JVM crash: SIGSEGV \(0xb\) at pc=0x0000, pid=\d+ JRE version: fake 17\) on its second start \(the first: killed by SIGKILL: no error in its logs\); last log lines:\n/,
    );
    expect(message).toContain(`--- ${node3.logFile} (last 20 lines) ---`);
    expect(message).toContain('JOINING: Starting to bootstrap...');
    expect(message).toContain(`--- ${node3.stdoutFile} (last 10 lines) ---`);
    expect(message).toMatch(/--- \S+hs_err_\d+\.log \(the JVM crashed; its first lines\) ---\n#/);
    expect(message).toContain('#  SIGSEGV (0xb)');
    expect(message).toContain('keystore_password=***');
    expect(message).not.toContain('hunter2');
    expect(logged).toHaveLength(1);
    expect(startsOf(node3)).toBe(2);
  }, 30_000);

  it('is not cleared when it had joined the ring before: it fails as it did', async () => {
    const [node1, node2, node3] = stack.cassandraNodes;
    fake(node1, ['serve']);
    fake(node2, ['serve']);
    fake(node3, ['exit']);
    node3.prepare();
    node3.markJoined();
    fs.writeFileSync(path.join(node3.home, 'data', 'sstable'), 'its data');

    await expect(stack.up(['cassandra'])).rejects.toThrow(
      /^cassandra-3 exited while starting \(exit code 3: Exception .* Stream failed\); last log lines:/,
    );

    expect(logged).toEqual([]);
    expect(startsOf(node3)).toBe(1);
    expect(dataOf(node3)).toEqual(['sstable', 'start-1']);
  }, 30_000);

  it('is not cleared when its log says it joined the ring before it exited', async () => {
    const [node1, node2, node3] = stack.cassandraNodes;
    fake(node1, ['serve']);
    fake(node2, ['serve']);
    fake(node3, ['exit-after-joining']);

    await expect(stack.up(['cassandra'])).rejects.toThrow(/^cassandra-3 exited while starting/);

    expect(logged).toEqual([]);
    expect(startsOf(node3)).toBe(1);
    expect(dataOf(node3)).toEqual(['start-1']);
  }, 30_000);
});

describe('retriesFreshNode', () => {
  const fresh = { bootstraps: true, joinedBefore: false, startedEmpty: true, joinedDuring: false };

  it('retries a cluster node that exited during its first bootstrap', () => {
    expect(retriesFreshNode(fresh)).toBe(true);
  });

  it.each([
    ['the seed or a single node (no bootstrap)', { bootstraps: false }],
    ['a node that joined before', { joinedBefore: true }],
    ['a node whose folders held state when this up started it', { startedEmpty: false }],
    ['a node that reached the ring during this start', { joinedDuring: true }],
  ])('never clears %s', (_, change) => {
    expect(retriesFreshNode({ ...fresh, ...change })).toBe(false);
  });
});

describe('mask', () => {
  it('hides passwords in settings lines and URLs', () => {
    expect(mask('keystore_password=s3cret; truststore_password: "x y"')).toBe(
      'keystore_password=***; truststore_password: ***',
    );
    expect(mask('connecting to postgres://blog:s3cret@127.0.0.1:5433/db')).toBe(
      'connecting to postgres://blog:***@127.0.0.1:5433/db',
    );
  });
});
