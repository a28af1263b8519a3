import * as fs from 'node:fs';
import * as path from 'node:path';
import { CassandraService } from './cassandra-service';
import { FerretDbService } from './ferretdb-service';
import { PostgresService } from './postgres-service';
import {
  isAlive,
  isListening,
  killProcess,
  ManagedProcess,
  residentBytes,
  runningPid,
  sleep,
  startDetached,
  stopProcess,
  tail,
  withLock,
} from './process-control';
import { StackService } from './stack-service';
import { cassandraNodesFile, rememberedCassandraNodes, StackSettings } from './stack-settings';
import {
  ExitedWhileStarting,
  exitReason,
  joinedRingDuring,
  Launch,
  logSizes,
  retriesFreshNode,
  startFailureDetails,
} from './start-failure';
import { StackError } from './toolchain';

export type ServiceName = 'cassandra' | 'ferretdb' | 'postgres';
/** What the commands act on by default; postgres comes with ferretdb when it is FerretDB's store. */
export const SERVICE_NAMES: ServiceName[] = ['cassandra', 'ferretdb'];

export interface UpReport {
  name: ServiceName;
  /** the server: `cassandra` (node 1), `cassandra-2`, `cassandra-3` or `ferretdb` */
  server: string;
  /** Cassandra's node number (1 for a single node) */
  node?: number;
  host: string;
  /** 'started' by this call, or 'running' already (nothing was done) */
  action: 'started' | 'running';
  pid: number;
  port: number;
  installMs: number;
  bootMs: number;
}

export interface StatusReport {
  name: ServiceName;
  server: string;
  node?: number;
  host: string;
  state: 'ready' | 'starting' | 'stopped';
  pid?: number;
  port: number;
  rssBytes?: number;
  home: string;
}

type Server = StackService & { home: string; host?: string; node?: number };

/**
 * The local database stack: one FerretDB and one or more Cassandra nodes per data folder, and the
 * PostgreSQL FerretDB stores into when STACK_MONGO=ferretdb-postgres.
 *
 * For tests that break things on purpose: `cassandraNodes` lists the nodes (node N listens on
 * 127.0.0.N, same ports), `contactPoints()` gives the app's CASSANDRA_CONTACT_POINTS, `kill()`
 * crashes a server with SIGKILL, and `up()` restarts whatever is down (a node rejoins with its data).
 * A node whose first bootstrap fails is started once more from empty folders (see upOne); `log`
 * hears about it.
 */
export class Stack {
  readonly services: Record<ServiceName, Server> & {
    cassandra: CassandraService;
    postgres: PostgresService;
  };
  /** node 1 (the seed, also `services.cassandra`) to node N */
  readonly cassandraNodes: CassandraService[];

  constructor(
    readonly settings: StackSettings,
    private readonly log: (line: string) => void = (line) => console.error(`stack: ${line}`),
  ) {
    // a stack created with more nodes than asked for now still has them: down/status see them all
    const nodes = Math.max(settings.cassandraNodes, rememberedCassandraNodes(settings.dir) ?? 1);
    this.cassandraNodes = Array.from(
      { length: nodes },
      (_, i) => new CassandraService(settings, i + 1, nodes),
    );
    this.services = {
      cassandra: this.cassandraNodes[0],
      ferretdb: new FerretDbService(settings),
      postgres: new PostgresService(settings),
    };
  }

  /** `host:port` of every Cassandra node, node 1 first (the app's CASSANDRA_CONTACT_POINTS). */
  contactPoints(): string[] {
    return this.cassandraNodes.map((n) => `${n.host}:${n.port}`);
  }

  /** The servers of a service: every node of Cassandra (or only `node`), or FerretDB. */
  servers(name: ServiceName, node?: number): Server[] {
    if (name !== 'cassandra') return [this.services[name]];
    if (node === undefined) return this.cassandraNodes;
    const found = this.cassandraNodes[node - 1];
    if (!found) {
      throw new StackError(
        `this stack has ${this.cassandraNodes.length} Cassandra node(s); there is no node ${node}`,
      );
    }
    return [found];
  }

  serviceNames(): ServiceName[] {
    return this.withDependencies(SERVICE_NAMES);
  }

  /** The services a service needs running first. */
  private dependencies(name: ServiceName): ServiceName[] {
    return name === 'ferretdb' && this.settings.mongoBackend === 'ferretdb-postgres'
      ? ['postgres']
      : [];
  }

  /** `names` and what they depend on, dependencies first. */
  withDependencies(names: ServiceName[]): ServiceName[] {
    const all: ServiceName[] = [];
    const add = (name: ServiceName) => {
      for (const dependency of this.dependencies(name)) add(dependency);
      if (!all.includes(name)) all.push(name);
    };
    names.forEach(add);
    return all;
  }

  /**
   * Starts the named services (all by default) and what they depend on, and waits until each
   * answers a real query; a service starts once its dependencies answer.
   */
  async up(names: ServiceName[] = SERVICE_NAMES): Promise<UpReport[]> {
    fs.mkdirSync(this.settings.dir, { recursive: true });
    return this.wholeStackLocked(() => this.upUnlocked(names));
  }

  /**
   * One `up` or `down` of this stack at a time, whole: they start and stop services with their
   * dependencies (FerretDB and its PostgreSQL), so a `down` interleaved with an `up` could stop
   * the PostgreSQL an `up` had just found running. Each server keeps its own lock as well.
   */
  private wholeStackLocked<T>(fn: () => Promise<T>): Promise<T> {
    return withLock(path.join(this.settings.dir, 'stack.lock'), this.lockWaitMs, fn);
  }

  private async upUnlocked(names: ServiceName[]): Promise<UpReport[]> {
    const wanted = this.withDependencies(names);
    if (wanted.includes('cassandra')) this.recordCassandraNodes();
    for (const name of wanted) this.services[name].checkTools();
    for (const service of wanted.flatMap((name) => this.servers(name))) {
      const pid = runningPid({ pidFile: service.pidFile, marker: service.marker });
      const differs = pid === undefined ? undefined : service.runningDiffers?.(pid);
      // before anything starts, so a refused `up` leaves nothing behind
      if (differs) throw new StackError(`${service.name}: ${differs}`);
      if (pid === undefined) await this.refuseBusyPorts(service);
    }
    const starts = new Map<ServiceName, Promise<UpReport[]>>();
    const start = (name: ServiceName): Promise<UpReport[]> => {
      let started = starts.get(name);
      if (!started) {
        started = Promise.all(this.dependencies(name).map(start)).then(() => this.upServers(name));
        starts.set(name, started);
      }
      return started;
    };
    return (await Promise.all(wanted.map(start))).flat();
  }

  /** Every server of one service: Cassandra's node 1 (the seed) first. */
  private async upServers(name: ServiceName): Promise<UpReport[]> {
    const start = (server: Server) =>
      this.locked(server, this.lockWaitMs, () => this.upOne(name, server));
    const [first, ...rest] = this.servers(name);
    const done = [await start(first)];
    // Cassandra refuses concurrent bootstraps, so a node that never joined starts alone; nodes
    // that joined before only restart, and may do so together.
    const joined = rest.filter((s) => s instanceof CassandraService && s.hasJoined());
    done.push(...(await Promise.all(joined.map(start))));
    for (const server of rest.filter((s) => !joined.includes(s))) done.push(await start(server));
    return done.sort((a, b) => (a.node ?? 0) - (b.node ?? 0));
  }

  /** A port of a server this stack does not run, held by another process: refused. */
  private async refuseBusyPorts(service: Server): Promise<void> {
    const host = service.host ?? this.settings.host;
    for (const port of service.ports) {
      if (await isListening(host, port)) {
        throw new StackError(
          `${service.name}: port ${host}:${port} is already in use by a process this stack did not start; stop it or choose other ports (STACK_* variables, see README)`,
        );
      }
    }
  }

  /** Remembers the node count, so later commands without --cassandra-nodes know every node. */
  private recordCassandraNodes(): void {
    const remembered = rememberedCassandraNodes(this.settings.dir) ?? 1;
    if (this.settings.cassandraNodes < remembered) {
      throw new StackError(
        `this stack was created with ${remembered} Cassandra nodes and cannot shrink to ${this.settings.cassandraNodes}; run \`npm run stack -- up\` without --cassandra-nodes, or \`down\` and delete ${this.settings.dir} to start over`,
      );
    }
    fs.writeFileSync(cassandraNodesFile(this.settings.dir), `${this.cassandraNodes.length}\n`);
  }

  private async upOne(name: ServiceName, service: Server): Promise<UpReport> {
    const proc = { pidFile: service.pidFile, marker: service.marker };
    const host = service.host ?? this.settings.host;
    const where = { name, server: service.name, node: service.node, host, port: service.port };
    const existing = runningPid(proc);
    if (existing !== undefined) {
      // ours, possibly still booting from an earlier call: wait for it rather than start twice
      const bootMs = await this.waitReady(service, existing);
      if (service instanceof CassandraService) service.markJoined();
      await service.afterReady?.();
      return { ...where, action: 'running', pid: existing, installMs: 0, bootMs };
    }
    await this.refuseBusyPorts(service); // again: something may have taken a port meanwhile
    const installStart = Date.now();
    await service.install();
    const installMs = Date.now() - installStart;
    const node = service instanceof CassandraService ? service : undefined;
    // as this `up` found it: only state that a failed start of this `up` wrote is ever cleared
    const found = node && { joinedBefore: node.hasJoined(), startedEmpty: node.holdsNoState() };
    const bootStart = Date.now();
    let launch = this.launch(service, proc);
    try {
      await this.waitReady(service, launch.pid, launch);
    } catch (error) {
      const retry =
        error instanceof ExitedWhileStarting &&
        node !== undefined &&
        found !== undefined &&
        retriesFreshNode({
          bootstraps: node.nodes > 1 && node.node > 1,
          ...found,
          joinedDuring: joinedRingDuring(node, launch),
        });
      if (!retry) throw error;
      const first = error.reason ?? 'no reason in its logs';
      // what one does with a node whose first bootstrap failed: empty it, bootstrap it again
      this.log(
        `${service.name} exited during its first bootstrap (${first}) and never joined the ring: cleared its data, commitlog, hints and saved_caches folders, starting it once more`,
      );
      node.clearState();
      launch = this.launch(service, proc);
      await this.waitReady(service, launch.pid, launch).catch((again: unknown) => {
        throw again instanceof ExitedWhileStarting
          ? new ExitedWhileStarting(again.server, again.reason, again.details, first)
          : again;
      });
    }
    if (node) node.markJoined();
    await service.afterReady?.();
    return {
      ...where,
      action: 'started',
      pid: launch.pid,
      installMs,
      bootMs: Date.now() - bootStart,
    };
  }

  /** Writes the server's config and starts it; what the launch records, a failure report reads. */
  private launch(service: Server, proc: ManagedProcess): Launch {
    service.prepare();
    const { bin, args, cwd } = service.command();
    fs.mkdirSync(service.home, { recursive: true });
    fs.appendFileSync(service.stdoutFile, `\n--- started ${new Date().toISOString()} ---\n`);
    const launch: Launch = { pid: 0, logSizes: logSizes(service) };
    launch.pid = startDetached(proc, bin, args, {
      cwd,
      logFile: service.stdoutFile,
      ...service.runAs?.(),
      onExit: (status) => (launch.exit = status),
    });
    return launch;
  }

  /** `launch`: the start by this call (how it ended and what it logged tell the reason). */
  private async waitReady(service: Server, pid: number, launch?: Launch): Promise<number> {
    const start = Date.now();
    const deadline = start + this.settings.readyTimeoutMs;
    while (Date.now() < deadline) {
      if (!isAlive(pid)) {
        // the exit status arrives with the reaping that makes isAlive false; give it a moment
        if (launch && !launch.exit) await sleep(100);
        throw new ExitedWhileStarting(
          service.name,
          launch && exitReason(service, launch),
          startFailureDetails(service, pid),
        );
      }
      const host = service.host ?? this.settings.host;
      if ((await isListening(host, service.port)) && (await service.isReady())) {
        return Date.now() - start;
      }
      await sleep(250);
    }
    await stopProcess(
      { pidFile: service.pidFile, marker: service.marker },
      10_000,
      service.stopSignal,
    );
    throw new StackError(
      `${service.name} did not answer within ${this.settings.readyTimeoutMs / 1000}s (stopped it); ${startFailureDetails(service, pid)}`,
    );
  }

  /** How long an `up` or `down` waits for another's on the same server: a start, and a retry. */
  private get lockWaitMs(): number {
    return 2 * this.settings.readyTimeoutMs + 300_000;
  }

  /**
   * Stops only processes this stack started (by pid file), and what they depend on after them;
   * returns the names it stopped.
   */
  async down(names: ServiceName[] = SERVICE_NAMES): Promise<ServiceName[]> {
    // a folder that does not exist has nothing running
    if (!fs.existsSync(this.settings.dir)) return this.downUnlocked(names);
    return this.wholeStackLocked(() => this.downUnlocked(names));
  }

  private async downUnlocked(names: ServiceName[]): Promise<ServiceName[]> {
    const wanted = this.withDependencies(names);
    const dependencies = wanted.filter((name) =>
      wanted.some((other) => this.dependencies(other).includes(name)),
    );
    const stopped = [
      ...(await this.stopAll(wanted.filter((name) => !dependencies.includes(name)))),
      ...(await this.stopAll(dependencies)),
    ];
    return stopped.filter((n): n is ServiceName => n !== undefined);
  }

  private stopAll(names: ServiceName[]): Promise<Array<ServiceName | undefined>> {
    return Promise.all(
      names.map(async (name) => {
        const graceMs = name === 'cassandra' ? 60_000 : name === 'postgres' ? 30_000 : 15_000;
        const wasRunning = await Promise.all(
          this.servers(name).map((service) =>
            this.locked(service, this.lockWaitMs, () =>
              stopProcess(
                { pidFile: service.pidFile, marker: service.marker },
                graceMs,
                service.stopSignal,
              ),
            ),
          ),
        );
        return wasRunning.includes(true) ? name : undefined;
      }),
    );
  }

  /**
   * SIGKILL, as a crash would: the named service's every server, or only Cassandra node `node`.
   * Returns the servers that were running (`cassandra-2`, ...). `up()` starts them again.
   */
  async kill(name: ServiceName, node?: number): Promise<string[]> {
    const killed = await Promise.all(
      // no lock: a crash does not wait for a command in progress
      this.servers(name, node).map(async (service) =>
        (await killProcess({ pidFile: service.pidFile, marker: service.marker }))
          ? service.name
          : undefined,
      ),
    );
    return killed.filter((n): n is string => n !== undefined);
  }

  async status(names: ServiceName[] = SERVICE_NAMES): Promise<StatusReport[]> {
    const servers = this.withDependencies(names).flatMap((name) =>
      this.servers(name).map((s) => [name, s] as const),
    );
    return Promise.all(
      servers.map(async ([name, service]) => {
        const pid = runningPid({ pidFile: service.pidFile, marker: service.marker });
        const base = {
          name,
          server: service.name,
          node: service.node,
          host: service.host ?? this.settings.host,
          port: service.port,
          home: service.home,
        };
        if (pid === undefined) return { ...base, state: 'stopped' as const };
        const ready = await service.isReady();
        return {
          ...base,
          pid,
          state: ready ? ('ready' as const) : ('starting' as const),
          rssBytes: residentBytes(pid),
        };
      }),
    );
  }

  /** One `up` or `down` at a time per server and data folder (see withLock). */
  private locked<T>(service: Server, timeoutMs: number, fn: () => Promise<T>) {
    fs.mkdirSync(service.home, { recursive: true });
    return withLock(`${service.pidFile}.lock`, timeoutMs, fn);
  }

  logTail(service: StackService, lines: number): string {
    const parts = [tail(service.logFile, lines)];
    if (service.stdoutFile !== service.logFile) parts.push(tail(service.stdoutFile, lines));
    return parts.filter(Boolean).join('\n') || '(no log output)';
  }
}
