import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client, errors, policies } from 'cassandra-driver';
import {
  APP_ROLE,
  CassandraSecurityFiles,
  ensureTlsMaterial,
  secretFile,
  securityClientEnv,
  securityClientOptions,
  securityYaml,
} from './cassandra-security';
import { CASSANDRA_VERSION, CassandraSecurity, REPO_ROOT, StackSettings } from './stack-settings';
import { requireJava17, requireTool, run } from './toolchain';
import { StackService } from './stack-service';

/**
 * Flags from Cassandra 5.0's own conf/jvm-server.options and conf/jvm17-server.options (the
 * uncommented ones), which bin/cassandra would pass. Heap, agent and system properties are added
 * separately below.
 */
const CASSANDRA_JVM_SERVER_OPTIONS = [
  '-ea',
  '-da:net.openhft...',
  '-XX:+UseThreadPriorities',
  '-XX:+HeapDumpOnOutOfMemoryError',
  '-Xss256k',
  '-XX:+AlwaysPreTouch',
  '-XX:+UseTLAB',
  '-XX:+ResizeTLAB',
  '-XX:+UseNUMA',
  '-XX:+PerfDisableSharedMem',
  '-Djava.net.preferIPv4Stack=true',
];

const CASSANDRA_JVM17_SERVER_OPTIONS = [
  '-XX:+UseG1GC',
  '-XX:+ParallelRefProcEnabled',
  '-XX:MaxTenuringThreshold=1',
  '-XX:G1HeapRegionSize=16m',
  '-XX:G1RSetUpdatingPauseTimePercent=5',
  '-XX:MaxGCPauseMillis=300',
  '-XX:InitiatingHeapOccupancyPercent=70',
  '-Djdk.attach.allowAttachSelf=true',
  ...[
    'java.base/jdk.internal.misc',
    'java.management.rmi/com.sun.jmx.remote.internal.rmi',
    'java.rmi/sun.rmi.registry',
    'java.rmi/sun.rmi.server',
    'java.sql/java.sql',
    'java.base/java.lang.ref',
    'jdk.unsupported/sun.misc',
    'jdk.compiler/com.sun.tools.javac.file',
    'jdk.attach/sun.tools.attach',
  ].flatMap((pkg) => ['--add-exports', `${pkg}=ALL-UNNAMED`]),
  ...[
    'java.base/java.lang.module',
    'java.base/jdk.internal.loader',
    'java.base/jdk.internal.ref',
    'java.base/jdk.internal.reflect',
    'java.base/jdk.internal.math',
    'java.base/jdk.internal.module',
    'java.base/jdk.internal.util.jar',
    'jdk.management/com.sun.management.internal',
    'java.base/sun.nio.ch',
    'java.base/java.io',
    'java.base/java.lang.reflect',
    'jdk.compiler/com.sun.tools.javac',
    'java.base/java.lang',
    'java.base/java.util',
  ].flatMap((pkg) => ['--add-opens', `${pkg}=ALL-UNNAMED`]),
  '-Dio.netty.tryReflectionSetAccessible=true',
  '-Dio.netty.allocator.useCacheForAllThreads=true',
  '-Dio.netty.allocator.maxOrder=11',
];

/** Single-node start-up speed-ups: there is no ring to wait for. */
const SINGLE_NODE_SPEEDUPS = [
  '-Dcassandra.skip_wait_for_gossip_to_settle=0',
  '-Dcassandra.ring_delay_ms=0',
  '-Dcassandra.load_ring_state=false',
];

/**
 * Cluster start-up speed-ups. Gossip settles in well under a second on one machine, but a joining
 * node must still hear the ring and the schema from the seed before it bootstraps (with 0 it
 * starts streaming before it knows any peer); the saved ring state is kept so a restarted node
 * knows its peers at once.
 */
export const CLUSTER_NODE_SPEEDUPS = [
  '-Dcassandra.skip_wait_for_gossip_to_settle=0',
  '-Dcassandra.ring_delay_ms=2000',
];

/** Node N's address: 127.0.0.N (all of 127.0.0.0/8 is loopback on Linux). */
export function cassandraNodeHost(node: number): string {
  return `127.0.0.${node}`;
}

/**
 * Node N's one token (num_tokens 1), the ring split into thirds from 0: node 1 keeps the token a
 * single-node stack has, and a stack grown later gives its new nodes the same tokens as one
 * created with them. Fixed tokens make bootstrap quick (no token allocation).
 */
export function cassandraNodeToken(node: number): string {
  const third = 2n ** 64n / 3n;
  let token = BigInt(node - 1) * third;
  if (token >= 2n ** 63n) token -= 2n ** 64n;
  return token.toString();
}

/** A readiness probe (connect and one query) that has not answered by then says "not yet". */
const READY_PROBE_TIMEOUT_MS = 15_000;

export class CassandraService implements StackService {
  /** `cassandra` for node 1 (also of a single-node stack), `cassandra-N` for node N */
  readonly name: string;
  readonly home: string;
  readonly host: string;
  readonly libDir: string;
  readonly security: CassandraSecurityFiles;

  /**
   * @param node this server's number, 1 to `nodes`
   * @param nodes how many nodes the stack has (1: the single-node settings of old)
   */
  constructor(
    private readonly settings: StackSettings,
    readonly node = 1,
    readonly nodes = 1,
  ) {
    this.name = node === 1 ? 'cassandra' : `cassandra-${node}`;
    this.home = path.join(settings.dir, this.name);
    this.host = node === 1 ? settings.host : cassandraNodeHost(node);
    this.libDir = path.join(settings.cacheDir, `cassandra-${CASSANDRA_VERSION}`, 'lib');
    this.security = new CassandraSecurityFiles(path.join(this.home, 'secure'));
  }

  /** The login and TLS mode of the server as last started (open when never secured). */
  get mode(): CassandraSecurity {
    return this.security.readMode();
  }

  /** The app's variables for this server's login and TLS (file paths, never the password). */
  clientEnv(): Record<string, string> {
    return securityClientEnv(this.mode, this.security);
  }

  get port(): number {
    return this.settings.cassandraPort;
  }
  get ports(): number[] {
    return [this.settings.cassandraPort, this.settings.cassandraStoragePort];
  }
  get logFile(): string {
    return path.join(this.home, 'logs', 'system.log');
  }
  get stdoutFile(): string {
    return path.join(this.home, 'logs', 'stdout.log');
  }
  get pidFile(): string {
    return path.join(this.home, 'cassandra.pid');
  }
  get marker(): string {
    return `-Dcassandra.config=file://${this.home}/`;
  }

  /** True once this node has answered as part of the ring: a restart will not bootstrap again. */
  hasJoined(): boolean {
    return fs.existsSync(path.join(this.home, 'joined'));
  }

  markJoined(): void {
    fs.writeFileSync(path.join(this.home, 'joined'), `${new Date().toISOString()}\n`);
  }

  /** This node's own state: data, commit log, hints and saved caches (not its config or logs). */
  get stateDirs(): string[] {
    return ['data', 'commitlog', 'hints', 'saved_caches'].map((sub) => path.join(this.home, sub));
  }

  /** True when no state folder holds anything: whatever is there later, this start wrote. */
  holdsNoState(): boolean {
    return this.stateDirs.every((dir) => !fs.existsSync(dir) || fs.readdirSync(dir).length === 0);
  }

  /** Empties the state folders, e.g. after a first bootstrap that failed half-way. */
  clearState(): void {
    for (const dir of this.stateDirs) {
      fs.rmSync(dir, { recursive: true, force: true });
      fs.mkdirSync(dir, { recursive: true });
    }
  }

  checkTools(): void {
    requireJava17(this.settings.java17);
    if (!this.isInstalled()) {
      requireTool('mvn', 'download Cassandra from Maven Central', 'install maven');
    }
  }

  isInstalled(): boolean {
    return fs.existsSync(path.join(this.libDir, '.complete'));
  }

  /** cassandra-all and its runtime dependencies into the shared cache (once per version). */
  private async installJars(): Promise<void> {
    if (this.isInstalled()) return;
    const staging = `${this.libDir}.partial-${process.pid}`;
    fs.rmSync(staging, { recursive: true, force: true });
    await run(
      'mvn',
      [
        '-B',
        '-q',
        '-f',
        path.join(REPO_ROOT, 'scripts', 'stack', 'cassandra-pom.xml'),
        `-Dcassandra.version=${CASSANDRA_VERSION}`,
        'dependency:copy-dependencies',
        `-DoutputDirectory=${staging}`,
        '-DincludeScope=runtime',
      ],
      { what: `downloading Cassandra ${CASSANDRA_VERSION} with Maven` },
    );
    fs.writeFileSync(path.join(staging, '.complete'), new Date().toISOString());
    fs.mkdirSync(path.dirname(this.libDir), { recursive: true });
    try {
      fs.renameSync(staging, this.libDir);
    } catch (err) {
      // another process finished the same install first: keep theirs
      fs.rmSync(staging, { recursive: true, force: true });
      if (!this.isInstalled()) throw err;
    }
  }

  /** Makes the TLS certificates when STACK_CASSANDRA_TLS asks for them and none exist yet. */
  async install(): Promise<void> {
    await this.installJars();
    if (this.settings.cassandraSecurity.tls !== 'off') {
      await ensureTlsMaterial(this.security, this.settings);
    }
  }

  /** Writes cassandra.yaml and logback.xml. Cassandra rejects unknown yaml keys: keep it minimal. */
  prepare(): void {
    for (const sub of ['data', 'commitlog', 'saved_caches', 'hints', 'cdc_raw', 'logs']) {
      fs.mkdirSync(path.join(this.home, sub), { recursive: true });
    }
    const s = this.settings;
    const yaml = [
      'cluster_name: blog-local',
      'num_tokens: 1',
      `initial_token: ${cassandraNodeToken(this.node)}`,
      'partitioner: org.apache.cassandra.dht.Murmur3Partitioner',
      `data_file_directories: [${path.join(this.home, 'data')}]`,
      `commitlog_directory: ${path.join(this.home, 'commitlog')}`,
      `saved_caches_directory: ${path.join(this.home, 'saved_caches')}`,
      `hints_directory: ${path.join(this.home, 'hints')}`,
      `cdc_raw_directory: ${path.join(this.home, 'cdc_raw')}`,
      'commitlog_sync: periodic',
      'commitlog_sync_period: 10000ms',
      'seed_provider:',
      '  - class_name: org.apache.cassandra.locator.SimpleSeedProvider',
      '    parameters:',
      `      - seeds: "${s.host}:${s.cassandraStoragePort}"`,
      `listen_address: ${this.host}`,
      `rpc_address: ${this.host}`,
      `storage_port: ${s.cassandraStoragePort}`,
      `native_transport_port: ${s.cassandraPort}`,
      'start_native_transport: true',
      'endpoint_snitch: SimpleSnitch',
      ...securityYaml(s.cassandraSecurity, this.security),
      '',
    ].join('\n');
    this.security.writeMode(s.cassandraSecurity);
    // holds the keystore password when TLS is on
    fs.writeFileSync(path.join(this.home, 'cassandra.yaml'), yaml, { mode: 0o600 });
    fs.chmodSync(path.join(this.home, 'cassandra.yaml'), 0o600);
    const logback = `<configuration scan="false">
  <appender name="FILE" class="ch.qos.logback.core.FileAppender">
    <file>${this.logFile}</file>
    <encoder><pattern>%-5level [%thread] %date{ISO8601} %F:%L - %msg%n</pattern></encoder>
  </appender>
  <logger name="org.apache.cassandra" level="INFO"/>
  <logger name="com.datastax" level="WARN"/>
  <logger name="io.netty" level="WARN"/>
  <root level="WARN"><appender-ref ref="FILE"/></root>
</configuration>
`;
    fs.writeFileSync(path.join(this.home, 'logback.xml'), logback);
  }

  command(): { bin: string; args: string[]; cwd: string } {
    const jamm = fs.readdirSync(this.libDir).find((f) => /^jamm-.*\.jar$/.test(f));
    if (!jamm) throw new Error(`jamm agent jar missing from ${this.libDir}`);
    const heap = this.settings.cassandraHeapMb;
    // cassandra-env.sh sizes the young generation as min(100 MiB per core, heap / 4)
    const young = Math.min(100 * os.availableParallelism(), Math.floor(heap / 4));
    const args = [
      ...CASSANDRA_JVM_SERVER_OPTIONS,
      ...CASSANDRA_JVM17_SERVER_OPTIONS,
      `-Xms${heap}m`,
      `-Xmx${heap}m`,
      `-Xmn${young}m`,
      '-XX:+CrashOnOutOfMemoryError',
      `-XX:HeapDumpPath=${path.join(this.home, 'logs')}`,
      `-XX:ErrorFile=${path.join(this.home, 'logs', 'hs_err_%p.log')}`,
      `-javaagent:${path.join(this.libDir, jamm)}`,
      '-Dcassandra-foreground=yes',
      `-Dcassandra.config=file://${this.home}/cassandra.yaml`,
      `-Dlogback.configurationFile=file://${this.home}/logback.xml`,
      `-Dcassandra.logdir=${path.join(this.home, 'logs')}`,
      `-Dcassandra.storagedir=${this.home}`,
      ...(this.nodes === 1 ? SINGLE_NODE_SPEEDUPS : CLUSTER_NODE_SPEEDUPS),
      // with PasswordAuthenticator: the default superuser at once, not after 10 s
      '-Dcassandra.superuser_setup_delay_ms=0',
      '-cp',
      `${this.libDir}/*`,
      'org.apache.cassandra.service.CassandraDaemon',
    ];
    return { bin: this.settings.java17, args, cwd: this.home };
  }

  /**
   * Ready means usable: a CQL query answers, not merely an open port. On a server with
   * PasswordAuthenticator that means as the app role, which the first check makes.
   */
  async isReady(): Promise<boolean> {
    const mode = this.mode;
    let timer: NodeJS.Timeout | undefined;
    try {
      const probe = this.withClient(mode, undefined, async (client) => {
        const result = await client.execute('SELECT release_version FROM system.local');
        return result.rows.length === 1;
      });
      // a connect to a booting node can hang past the driver's own timeouts: not ready yet
      const late = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), READY_PROBE_TIMEOUT_MS);
        timer.unref();
      });
      return await Promise.race([probe, late]);
    } catch (error) {
      if (mode.auth && isLoginRefused(error)) await this.createAppRole(mode).catch(() => undefined);
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Logged in as the default superuser: the app role, with every permission on keyspaces. It can
   * log in only once granted, so a half-made role never passes isReady and this runs again.
   */
  private async createAppRole(mode: CassandraSecurity): Promise<void> {
    const password = secretFile(this.security.password);
    await this.withClient(mode, { name: 'cassandra', password: 'cassandra' }, async (client) => {
      await client.execute(`CREATE ROLE IF NOT EXISTS ${APP_ROLE} WITH LOGIN = false`);
      // the app's schema migrations create its keyspaces
      await client.execute(`GRANT ALL PERMISSIONS ON ALL KEYSPACES TO ${APP_ROLE}`);
      // the password file decides, also for a role made with an earlier one
      await client.execute(`ALTER ROLE ${APP_ROLE} WITH PASSWORD = '${password}' AND LOGIN = true`);
    });
  }

  private async withClient<T>(
    mode: CassandraSecurity,
    role: { name: string; password: string } | undefined,
    use: (client: Client) => Promise<T>,
  ): Promise<T> {
    const client = new Client({
      contactPoints: [`${this.host}:${this.settings.cassandraPort}`],
      localDataCenter: 'datacenter1',
      // this node only: its own answer, and no connections to the rest of a cluster
      policies: {
        loadBalancing: new policies.loadBalancing.AllowListPolicy(
          new policies.loadBalancing.DCAwareRoundRobinPolicy('datacenter1'),
          [`${this.host}:${this.settings.cassandraPort}`],
        ),
      },
      socketOptions: { connectTimeout: 2000, readTimeout: 4000 },
      ...securityClientOptions(mode, this.security, role),
    });
    try {
      await client.connect();
      return await use(client);
    } finally {
      await client.shutdown().catch(() => undefined);
    }
  }
}

function isLoginRefused(error: unknown): boolean {
  const inner = error instanceof errors.NoHostAvailableError ? error.innerErrors : {};
  return Object.values(inner as Record<string, unknown>).some(
    (cause) => cause instanceof errors.AuthenticationError,
  );
}
