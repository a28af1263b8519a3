import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { BENCH_WRITER, benchWriterHeaders } from '../../../bench/support/bench-writer';
import { FleetApp, logTail, startFleetApp } from '../../../bench/support/runbook-fleet';
import { residentBytes } from '../../../scripts/stack/process-control';
import { AppConfig, loadConfig } from '../../../src/config/app-config';
import {
  MIGRATION_PHASES,
  MigrationPhase,
  StoreName,
  phasePlan,
} from '../../../src/config/migration-phase';
import { types } from 'cassandra-driver';
import { cassandraSeen, differences, mongoSeen } from '../../integration/helpers/acked-writes';
import { BlogClient } from '../../integration/helpers/blog-client';
import { BlogTraffic } from '../../integration/helpers/blog-traffic';
import { Dataset, cli, cliEnvOf, verifyStores } from '../../integration/helpers/migration';
import { dropTestStores, withCassandra } from '../../integration/helpers/stores';
import { FaultProxy } from '../../support/fault-proxy';
import { sleep } from '../../support/http-poll';
import { TestStores, mongoUrlWithDb, testEnv, testStores } from '../../support/test-env';

/**
 * The app's timeouts in the fault tier, short so a fault shows within seconds: the app stops
 * waiting for a health check or a copy after 2 s, and a driver ends an operation its store does
 * not answer after 5 s (the defaults are 12 s for Cassandra and 60 s for MongoDB, see
 * docs/configuration.md). A request makes at most REQUEST_STATEMENTS store operations one after
 * the other, so none of them can take longer than REQUEST_BOUND_MS.
 */
export const FAULT_TIMEOUTS = {
  HEALTH_CHECK_TIMEOUT_MS: 2000,
  SECONDARY_WRITE_TIMEOUT_MS: 2000,
  DRIVER_TIMEOUT_MS: 5000,
};
/** the store operations a request waits for one after the other at most: auth, read, write */
export const REQUEST_STATEMENTS = 3;
export const REQUEST_BOUND_MS = REQUEST_STATEMENTS * FAULT_TIMEOUTS.DRIVER_TIMEOUT_MS;

const TIMEOUT_ENV: Record<string, string> = {
  HEALTH_CHECK_TIMEOUT_MS: String(FAULT_TIMEOUTS.HEALTH_CHECK_TIMEOUT_MS),
  SECONDARY_WRITE_TIMEOUT_MS: String(FAULT_TIMEOUTS.SECONDARY_WRITE_TIMEOUT_MS),
  MONGO_SOCKET_TIMEOUT_MS: String(FAULT_TIMEOUTS.DRIVER_TIMEOUT_MS),
  MONGO_CONNECT_TIMEOUT_MS: String(FAULT_TIMEOUTS.DRIVER_TIMEOUT_MS),
  MONGO_SERVER_SELECTION_TIMEOUT_MS: String(FAULT_TIMEOUTS.DRIVER_TIMEOUT_MS),
  MONGO_WAIT_QUEUE_TIMEOUT_MS: String(FAULT_TIMEOUTS.DRIVER_TIMEOUT_MS),
  CASSANDRA_CONNECT_TIMEOUT_MS: String(FAULT_TIMEOUTS.DRIVER_TIMEOUT_MS),
  CASSANDRA_READ_TIMEOUT_MS: String(FAULT_TIMEOUTS.DRIVER_TIMEOUT_MS),
};

/** The load: operations per second over all workers (FerretDB's phases sustain ~10-20 here). */
const RATE = 12;
const WORKERS = 4;
const READS = 0.5;
/** every request of the load ends within this, answered or not (far above REQUEST_BOUND_MS) */
const CLIENT_TIMEOUT_MS = 60_000;

const READ_OPS: string[] = ['home', 'page', 'list', 'get', 'read'];

/** A request of the load, as BlogTraffic records it. */
export type LoadRequest = BlogTraffic['requests'][number];

/** Whether a request of the load was a write (create, edit, comment, delete, an account's). */
export const isWrite = (request: LoadRequest): boolean => !READ_OPS.includes(request.op);

/** One app process with its own proxy to each store (to MongoDB only with cassandraProxy false). */
export interface FaultInstance {
  name: string;
  app: FleetApp;
  proxies: Partial<Record<StoreName, FaultProxy>>;
  client: BlogClient;
}

/** How a fleet is made (FaultFleet.start). */
export interface FleetOptions {
  /** app instances (default 2) */
  instances?: number;
  /** the servers (default the tier's stack, testStores(); the cluster tests give the cluster's) */
  stores?: TestStores;
  /**
   * Each instance reaches Cassandra through a FaultProxy of its own (default). False: straight at
   * every contact point, as on a cluster, where the driver finds the other nodes by their own
   * addresses (a proxy in front of one node would not stand between the app and the others), so
   * a node killed is really gone for it.
   */
  cassandraProxy?: boolean;
  /**
   * Leave the fleet's keyspace in place when it stops (its MongoDB database is still dropped).
   * The cluster tests do: on Cassandra 5.0, a DROP KEYSPACE after a node of the cluster was
   * SIGKILLed and restarted once failed on that node with "Unknown CF <id>" (the commit log still
   * named a table of it already dropped), and every later schema change that node coordinated
   * failed the same way. The cluster's folder is thrown away at the end of the tier anyway.
   */
  keepKeyspace?: boolean;
}

/** Requests, failures and latencies of a stretch of the load. */
export interface LoadNumbers {
  requests: number;
  failed: number;
  /** failed writes: each may have been applied in part (its answer lost) */
  failedWrites: number;
  p50Ms: number;
  p99Ms: number;
  worstMs: number;
}

/** What the end check found: every difference from the acknowledged writes, and verify's. */
export interface EndCheck {
  differences: string[];
  /**
   * `migrate verify` (phases with a secondary only): clean, the records it names, those of them
   * no write in doubt explains (a post whose write got no answer, a comment of one, a creation
   * that got none), and its output
   */
  verify?: { clean: boolean; ids: string[]; unexplained: string[]; output: string };
  /** acknowledged writes and posts checked */
  acked: number;
  posts: number;
}

/**
 * Two app instances (`node dist/src/main.js`, separate processes) on one phase, each reaching
 * each store through a FaultProxy of its own, under a load of continuous writers and readers
 * spread over both (BlogTraffic: every acknowledged write and its last content recorded). A test
 * puts a fault in (proxy modes, a killed server or instance), waits for convergence, and runs
 * the end check: every acknowledged write present with its last content in every store the phase
 * keeps, and `migrate verify` clean once the hints drained. A fleet of its own per test file:
 * its own database and keyspace (testEnv), dropped by stop().
 */
export class FaultFleet {
  readonly instances: FaultInstance[] = [];
  traffic!: BlogTraffic;
  /** RSS samples of every instance (bytes), while sampleMemory runs */
  private rss: number[][] = [];
  private sampling?: NodeJS.Timeout;

  private constructor(
    readonly name: string,
    /** the phase the fleet serves (advanceTo moves it on) */
    public phase: MigrationPhase,
    /** the app's environment, straight to the servers (the CLI's and the checks') */
    readonly env: Record<string, string>,
    readonly direct: AppConfig,
    readonly workDir: string,
    private readonly stores: TestStores,
    private readonly cassandraProxy: boolean,
    private readonly keepKeyspace: boolean,
  ) {}

  static async start(
    name: string,
    phase: MigrationPhase,
    overrides: Record<string, string> = {},
    {
      instances = 2,
      stores = testStores(),
      cassandraProxy = true,
      keepKeyspace = false,
    }: FleetOptions = {},
  ): Promise<FaultFleet> {
    const base = testEnv(`faults_${name}`, {
      MIGRATION_PHASE: phase,
      PHASE_POLL_INTERVAL: '500ms',
      HINT_RETRY_INTERVAL: '1s',
      RECONCILE_INTERVAL: '0',
      ...TIMEOUT_ENV,
      ...overrides,
    });
    // the database is named like the keyspace (testEnv's unique name), on the fleet's servers
    const env = {
      ...base,
      MONGO_URL: mongoUrlWithDb(stores.mongoUrl, base.CASSANDRA_KEYSPACE),
      CASSANDRA_CONTACT_POINTS: stores.cassandraContactPoints,
      CASSANDRA_LOCAL_DC: stores.cassandraLocalDc,
    };
    const fleet = new FaultFleet(
      name,
      phase,
      env,
      loadConfig(env),
      mkdtempSync(path.join(tmpdir(), `faults-${name}-`)),
      stores,
      cassandraProxy,
      keepKeyspace,
    );
    try {
      // both stores' schema, whatever the phase: verify and reconcile need both
      const schema = await cli(env, 'schema', 'migrate', '--store', 'mongo,cassandra');
      if (schema.status !== 0) throw new Error(`schema migrate: ${schema.stderr}`);
      const writer = {
        headers: benchWriterHeaders(cliEnvOf(fleet.direct)),
        name: BENCH_WRITER.name,
      };
      for (let i = 1; i <= instances; i++) await fleet.startInstance(`web-${i}`, writer);
    } catch (error) {
      await fleet.stop();
      throw error;
    }
    return fleet;
  }

  private async startInstance(name: string, writer: BlogClient['writer']): Promise<void> {
    const mongo = FaultProxy.of(new URL(this.stores.mongoUrl).host, 27017);
    const url = new URL(this.env.MONGO_URL);
    url.host = `127.0.0.1:${await mongo.start()}`;
    // the proxy is the server: never follow a replica set's host list around it
    url.searchParams.set('directConnection', 'true');
    const env: Record<string, string> = { ...this.env, MONGO_URL: url.toString() };
    const proxies: FaultInstance['proxies'] = { mongo };
    if (this.cassandraProxy) {
      const cassandra = FaultProxy.of(this.stores.cassandraContactPoints.split(',')[0], 9042);
      env.CASSANDRA_CONTACT_POINTS = `127.0.0.1:${await cassandra.start()}`;
      proxies.cassandra = cassandra;
    }
    let app: FleetApp;
    try {
      app = await startFleetApp(name, env, path.join(this.workDir, `${name}.log`));
    } catch (error) {
      await Promise.all(Object.values(proxies).map((proxy) => proxy.close()));
      throw error;
    }
    this.instances.push({ name, app, proxies, client: await BlogClient.at(app.url, writer) });
  }

  /**
   * Walks the fleet forward to `target` as the runbook does, the load stopped: `phase set` each
   * step (it waits until both instances serve it), the backfill right after `dual-write`, a
   * reconcile before `cassandra-primary`.
   */
  async advanceTo(target: MigrationPhase): Promise<void> {
    while (MIGRATION_PHASES.indexOf(this.phase) < MIGRATION_PHASES.indexOf(target)) {
      const next = MIGRATION_PHASES[MIGRATION_PHASES.indexOf(this.phase) + 1];
      // the gate wants verify clean: what an earlier fault left is repaired first, as its refusal says
      if (next === 'cassandra-primary') await this.reconcile();
      await this.setPhase(next);
      if (next === 'dual-write') await this.cliOk('migrate', 'backfill');
    }
  }

  /** `phase set`: it checks the gate and waits until every instance serves the phase. */
  async setPhase(phase: MigrationPhase): Promise<void> {
    await this.cliOk('phase', 'set', phase);
    this.phase = phase;
  }

  /** `migrate reconcile` (a dual phase): hints copied, the secondary repaired from the primary. */
  async reconcile(): Promise<string> {
    return (await this.cliOk('migrate', 'reconcile', '--recheck-delay', '1000')).stdout.trim();
  }

  private async cliOk(...args: string[]) {
    const run = await cli(cliEnvOf(this.direct), ...args);
    if (run.status !== 0) {
      throw new Error(`${args.join(' ')} exited ${run.status}:\n${run.stdout}${run.stderr}`);
    }
    return run;
  }

  /** Every instance's proxy to `store` (none for Cassandra with cassandraProxy false). */
  proxiesOf(store: StoreName): FaultProxy[] {
    return this.instances.flatMap((i) => i.proxies[store] ?? []);
  }

  /** A CLI command on the fleet's stores; throws with its output unless it exits 0. */
  cli(...args: string[]) {
    return this.cliOk(...args);
  }

  /**
   * Starts the writers and readers (again after stopLoad: the acknowledged state carries on).
   * `existing`: records written straight into the stores before, which the load then edits,
   * comments and deletes too, and the end check expects like any acknowledged write (first
   * start only).
   */
  startLoad(existing: Dataset = { posts: [], comments: [] }): void {
    this.traffic ??= new BlogTraffic(
      this.instances.map((i) => i.client),
      existing,
      { reads: READS, rate: RATE, timeoutMs: CLIENT_TIMEOUT_MS },
    );
    this.traffic.start(WORKERS);
  }

  async stopLoad(): Promise<void> {
    await this.traffic?.stop();
  }

  /** The requests that ended in [from, to] without an answer a client may get. */
  failures(from = 0, to = Date.now()): LoadRequest[] {
    return this.traffic.requests.filter((r) => r.at >= from && r.at <= to && !r.ok);
  }

  /** The requests that ended in [from, to]. */
  numbers(from = 0, to = Date.now()): LoadNumbers {
    const inside = this.traffic.requests.filter((r) => r.at >= from && r.at <= to);
    const ms = inside.map((r) => r.ms).sort((a, b) => a - b);
    const at = (q: number) => ms[Math.min(ms.length - 1, Math.floor(q * ms.length))] ?? 0;
    return {
      requests: inside.length,
      failed: inside.filter((r) => !r.ok).length,
      failedWrites: inside.filter((r) => !r.ok && isWrite(r)).length,
      p50Ms: at(0.5),
      p99Ms: at(0.99),
      worstMs: ms.at(-1) ?? 0,
    };
  }

  /**
   * SIGKILLs an instance as if its host died: the process, and with it its connections (its
   * proxies reset them, so bytes it had sent that were still on the way never land). Waits until
   * it is gone; the load sends it nothing more.
   */
  async kill(instance: FaultInstance): Promise<void> {
    this.traffic?.withdraw(instance.client);
    process.kill(instance.app.pid, 'SIGKILL');
    for (const proxy of Object.values(instance.proxies)) proxy.setMode('reset');
    while (instance.app.exited() === undefined) await sleep(20);
  }

  /** Samples every instance's RSS every 250 ms until memoryGrowth(). */
  sampleMemory(): void {
    this.rss = this.instances.map((i) => [residentBytes(i.app.pid) ?? 0]);
    this.sampling = setInterval(() => {
      this.instances.forEach((i, n) => this.rss[n].push(residentBytes(i.app.pid) ?? 0));
    }, 250);
  }

  /** The largest RSS growth of an instance since sampleMemory (bytes); stops sampling. */
  memoryGrowth(): number {
    clearInterval(this.sampling);
    return Math.max(...this.rss.map((samples) => Math.max(...samples) - samples[0]));
  }

  /**
   * Polls each instance's /health every 100 ms until it answers `status`; the ms from `since`
   * to the first such answer on the slowest instance.
   */
  async healthTurns(status: number, since: number, timeoutMs: number): Promise<number> {
    const each = await Promise.all(
      this.instances
        .filter((i) => i.app.exited() === undefined)
        .map(async (i) => {
          for (;;) {
            const res = await fetch(`${i.app.url}/health`, {
              signal: AbortSignal.timeout(timeoutMs),
            }).catch(() => undefined);
            if (res?.status === status) return Date.now() - since;
            if (Date.now() - since > timeoutMs) {
              throw new Error(`${i.name}: /health not ${status} within ${timeoutMs} ms`);
            }
            await sleep(100);
          }
        }),
    );
    return Math.max(...each);
  }

  /** The most hints any running instance says are pending now (/api/stats; 0 if none answers). */
  async pendingHints(): Promise<number> {
    const counts = await Promise.all(
      this.instances
        .filter((i) => i.app.exited() === undefined)
        .map((i) =>
          fetch(`${i.app.url}/api/stats`)
            .then((r) => r.json() as Promise<StatsAnswer>)
            .then((stats) => stats.pending_hints ?? 0)
            .catch(() => 0),
        ),
    );
    return Math.max(0, ...counts);
  }

  /**
   * The end of a fault: waits for convergence under the load still running (its time, and when
   * it came), lets the load run `afterMs` more, stops it and waits until it converged again.
   */
  async settle(afterMs: number): Promise<{ convergeMs: number; convergedAt: number }> {
    const convergeMs = await this.converge();
    const convergedAt = Date.now();
    await sleep(afterMs);
    await this.stopLoad();
    await this.converge();
    return { convergeMs, convergedAt };
  }

  /**
   * What every test ends with: no quiet read was stale, every acknowledged write is in every
   * store the phase keeps, and verify (a phase with a secondary) is clean.
   */
  expectConverged(check: EndCheck): void {
    expect(this.traffic.stale).toEqual([]);
    expect(check.differences).toEqual([]);
    if (check.verify && !check.verify.clean) {
      throw new Error(`verify not clean:\n${check.verify.output}`);
    }
  }

  /**
   * Waits until every running instance is healthy, has no copy in flight and no hint pending
   * (the hint retry copied them); the ms it took.
   */
  async converge(timeoutMs = 120_000): Promise<number> {
    const from = Date.now();
    const { hintLog } = phasePlan(this.phase);
    let last = '';
    for (;;) {
      const states = await Promise.all(
        this.instances
          .filter((i) => i.app.exited() === undefined)
          .map(async (i) => {
            const health = await fetch(`${i.app.url}/health`).catch(() => undefined);
            const stats = await fetch(`${i.app.url}/api/stats`)
              .then((r) => r.json() as Promise<StatsAnswer>)
              .catch(() => undefined);
            return { name: i.name, health: health?.status, stats };
          }),
      );
      const done = states.every(
        (s) =>
          s.health === 200 &&
          (!hintLog || (s.stats?.pending_hints === 0 && s.stats.secondary_writes?.in_flight === 0)),
      );
      if (done) return Date.now() - from;
      last = JSON.stringify(states);
      if (Date.now() - from > timeoutMs) {
        throw new Error(
          `${this.name}: not converged within ${timeoutMs} ms: ${last}\n${this.logs()}`,
        );
      }
      await sleep(250);
    }
  }

  /**
   * Every acknowledged write present with its last content in every store the phase keeps
   * (posts a failed write left in doubt aside: applied or not, both are right), and `migrate
   * verify` clean in a phase with a secondary.
   */
  async endCheck(): Promise<EndCheck> {
    const plan = phasePlan(this.phase);
    const traffic = this.traffic;
    const acked = [...traffic.posts.values()].filter((p) => !traffic.uncertain.has(p.id));
    const out: string[] = [];
    /** every comment's post, in any store: verify names a comment by its own id */
    const postOf = new Map<string, string>();
    for (const store of plan.stores) {
      const seen =
        store === 'mongo'
          ? await mongoSeen(this.direct)
          : await withCassandra(
              this.direct,
              async (client) => {
                const found = await cassandraSeen(client, this.direct.cassandraKeyspace);
                out.push(...found.byPostDiffers.map((d) => `cassandra: ${d}`));
                return found.seen;
              },
              // what the app reads: on a cluster, a quorum (a node back from the dead may still
              // be waiting for its hints)
              types.consistencies.localQuorum,
            );
      for (const [id, c] of seen.comments) postOf.set(id, c.postId);
      for (const id of traffic.uncertain) seen.posts.delete(id);
      for (const [id, c] of seen.comments)
        if (traffic.uncertain.has(c.postId)) seen.comments.delete(id);
      // a creation that got no answer may have made a post nobody was told of
      let unknownCreates = traffic.uncertainCreates;
      for (const difference of differences(store, acked, seen, true)) {
        if (/ was never written$/.test(difference) && unknownCreates > 0) unknownCreates--;
        else out.push(difference);
      }
    }
    const check: EndCheck = {
      differences: out,
      acked: traffic.acks.length,
      posts: acked.length,
    };
    if (plan.secondary) {
      const verify = await verifyStores(cliEnvOf(this.direct), 1000);
      const ids = [...new Set((verify.report?.differences ?? []).map((d) => d.id))];
      let unknownCreates = traffic.uncertainCreates;
      const explained = (id: string) => {
        const post = postOf.get(id) ?? id;
        if (traffic.uncertain.has(post)) return true;
        if (traffic.posts.has(post) || unknownCreates === 0) return false;
        unknownCreates--;
        return true;
      };
      check.verify = {
        clean: verify.status === 0 && !!verify.report?.clean,
        ids,
        unexplained: ids.filter((id) => !explained(id)),
        output: `${verify.stdout}${verify.stderr}`.slice(0, 4000),
      };
    }
    return check;
  }

  /**
   * The end check, with the repair a failed write may call for: a write the primary applied
   * but whose answer was lost (a 503 saying it may or may not have been saved) got no copy, and
   * verify names its records. When verify names only records of such writes in doubt, `migrate
   * reconcile` (the hourly RECONCILE_INTERVAL job in production) repairs them and the check runs
   * again. Returns the final check, the records verify named at first, those no write in doubt
   * explains, and reconcile's summary when it ran.
   */
  async endCheckRepaired(): Promise<{
    check: EndCheck;
    inDoubt: number;
    unexplained: string[];
    reconcile?: string;
  }> {
    const first = await this.endCheck();
    const unexplained = first.verify?.unexplained ?? [];
    const inDoubt = first.verify?.ids.length ?? 0;
    if (!first.verify || first.verify.clean || unexplained.length > 0) {
      return { check: first, inDoubt, unexplained };
    }
    const reconcile = await this.reconcile();
    return { check: await this.endCheck(), inDoubt, unexplained, reconcile };
  }

  /** The end of each instance's log, for a failure message. */
  logs(): string {
    return this.instances.map((i) => `--- ${i.name}\n${logTail(i.app, 30)}`).join('\n');
  }

  async stop(): Promise<void> {
    clearInterval(this.sampling);
    await this.traffic?.stop();
    for (const proxy of this.instances.flatMap((i) => Object.values(i.proxies))) proxy.heal();
    await Promise.all(this.instances.map((i) => i.app.stop()));
    await Promise.all(
      this.instances.flatMap((i) => Object.values(i.proxies).map((proxy) => proxy.close())),
    );
    // the keyspace was made whatever the phase (schema of both stores)
    const phase = this.keepKeyspace ? 'mongo' : 'dual-write';
    await dropTestStores(loadConfig({ ...this.env, MIGRATION_PHASE: phase })).catch(
      (error: unknown) => console.log(`${this.name}: stores not dropped: ${String(error)}`),
    );
  }
}

interface StatsAnswer {
  pending_hints: number | null;
  secondary_writes?: { in_flight: number };
}
