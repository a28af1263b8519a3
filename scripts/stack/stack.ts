import * as fs from 'node:fs';
import { CassandraService } from './cassandra-service';
import { FerretDbService } from './ferretdb-service';
import { PostgresService } from './postgres-service';
import {
  isAlive,
  isListening,
  residentBytes,
  runningPid,
  sleep,
  startDetached,
  stopProcess,
  tail,
  withLock,
} from './process-control';
import { StackService } from './stack-service';
import { StackSettings } from './stack-settings';
import { StackError } from './toolchain';

export type ServiceName = 'cassandra' | 'ferretdb' | 'postgres';
/** What the commands act on by default; postgres comes with ferretdb when it is FerretDB's store. */
export const SERVICE_NAMES: ServiceName[] = ['cassandra', 'ferretdb'];

export interface UpReport {
  name: ServiceName;
  /** 'started' by this call, or 'running' already (nothing was done) */
  action: 'started' | 'running';
  pid: number;
  port: number;
  installMs: number;
  bootMs: number;
}

export interface StatusReport {
  name: ServiceName;
  state: 'ready' | 'starting' | 'stopped';
  pid?: number;
  port: number;
  rssBytes?: number;
  home: string;
}

/**
 * The local database stack: one Cassandra and one FerretDB per data folder, and the PostgreSQL
 * FerretDB stores into when STACK_MONGO=ferretdb-postgres.
 */
export class Stack {
  readonly services: Record<ServiceName, StackService & { home: string }> & {
    cassandra: CassandraService;
    postgres: PostgresService;
  };

  constructor(readonly settings: StackSettings) {
    this.services = {
      cassandra: new CassandraService(settings),
      ferretdb: new FerretDbService(settings),
      postgres: new PostgresService(settings),
    };
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
    const wanted = this.withDependencies(names);
    for (const name of wanted) this.services[name].checkTools();
    for (const name of wanted) {
      const service = this.services[name];
      const pid = runningPid({ pidFile: service.pidFile, marker: service.marker });
      const differs = pid === undefined ? undefined : service.runningDiffers?.(pid);
      // before anything starts, so a refused `up` leaves nothing behind
      if (differs) throw new StackError(`${name}: ${differs}`);
    }
    const starts = new Map<ServiceName, Promise<UpReport>>();
    const start = (name: ServiceName): Promise<UpReport> => {
      let started = starts.get(name);
      if (!started) {
        const service = this.services[name];
        started = Promise.all(this.dependencies(name).map(start)).then(() =>
          this.locked(service, this.settings.readyTimeoutMs + 300_000, () => this.upOne(service)),
        );
        starts.set(name, started);
      }
      return started;
    };
    return Promise.all(wanted.map(start));
  }

  private async upOne(service: StackService & { home: string }): Promise<UpReport> {
    const name = service.name as ServiceName;
    const proc = { pidFile: service.pidFile, marker: service.marker };
    const existing = runningPid(proc);
    if (existing !== undefined) {
      // ours, possibly still booting from an earlier call: wait for it rather than start twice
      const bootMs = await this.waitReady(service, existing);
      await service.afterReady?.();
      return { name, action: 'running', pid: existing, port: service.port, installMs: 0, bootMs };
    }
    for (const port of service.ports) {
      if (await isListening(this.settings.host, port)) {
        throw new StackError(
          `${name}: port ${this.settings.host}:${port} is already in use by a process this stack did not start; stop it or choose other ports (STACK_* variables, see README)`,
        );
      }
    }
    const installStart = Date.now();
    await service.install();
    const installMs = Date.now() - installStart;
    service.prepare();
    const { bin, args, cwd } = service.command();
    const bootStart = Date.now();
    fs.mkdirSync(service.home, { recursive: true });
    fs.appendFileSync(service.stdoutFile, `\n--- started ${new Date().toISOString()} ---\n`);
    const pid = startDetached(proc, bin, args, {
      cwd,
      logFile: service.stdoutFile,
      ...service.runAs?.(),
    });
    await this.waitReady(service, pid);
    await service.afterReady?.();
    return {
      name,
      action: 'started',
      pid,
      port: service.port,
      installMs,
      bootMs: Date.now() - bootStart,
    };
  }

  private async waitReady(service: StackService, pid: number): Promise<number> {
    const start = Date.now();
    const deadline = start + this.settings.readyTimeoutMs;
    while (Date.now() < deadline) {
      if (!isAlive(pid)) {
        throw new StackError(
          `${service.name} exited while starting; last log lines:\n${this.logTail(service, 25)}`,
        );
      }
      if ((await isListening(this.settings.host, service.port)) && (await service.isReady())) {
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
      `${service.name} did not answer within ${this.settings.readyTimeoutMs / 1000}s (stopped it); last log lines:\n${this.logTail(service, 25)}`,
    );
  }

  /**
   * Stops only processes this stack started (by pid file), and what they depend on after them;
   * returns the names it stopped.
   */
  async down(names: ServiceName[] = SERVICE_NAMES): Promise<ServiceName[]> {
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
        const service = this.services[name];
        const graceMs = name === 'cassandra' ? 60_000 : name === 'postgres' ? 30_000 : 15_000;
        const wasRunning = await this.locked(service, this.settings.readyTimeoutMs + 300_000, () =>
          stopProcess(
            { pidFile: service.pidFile, marker: service.marker },
            graceMs,
            service.stopSignal,
          ),
        );
        return wasRunning ? name : undefined;
      }),
    );
  }

  async status(names: ServiceName[] = SERVICE_NAMES): Promise<StatusReport[]> {
    return Promise.all(
      this.withDependencies(names).map(async (name) => {
        const service = this.services[name];
        const pid = runningPid({ pidFile: service.pidFile, marker: service.marker });
        const base = { name, port: service.port, home: service.home };
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
  private locked<T>(
    service: StackService & { home: string },
    timeoutMs: number,
    fn: () => Promise<T>,
  ) {
    fs.mkdirSync(service.home, { recursive: true });
    return withLock(`${service.pidFile}.lock`, timeoutMs, fn);
  }

  logTail(service: StackService, lines: number): string {
    const parts = [tail(service.logFile, lines)];
    if (service.stdoutFile !== service.logFile) parts.push(tail(service.stdoutFile, lines));
    return parts.filter(Boolean).join('\n') || '(no log output)';
  }
}
