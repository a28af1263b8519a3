import { NestExpressApplication } from '@nestjs/platform-express';
import { AppConfig, loadConfig } from '../../src/config/app-config';
import { MigrationPhase, phasePlan } from '../../src/config/migration-phase';
import { SecondaryCopies } from '../../src/store/dual-write/secondary-copier';
import { HintLogs } from '../../src/store/hints/hint-logs';
import { PostStoreRouter } from '../../src/store/post-store.router';
import { FaultProxy } from '../support/fault-proxy';
import { sleep } from '../support/http-poll';
import { testEnv, testStores } from '../support/test-env';
import { cassandraSeen, countBy, differences, mongoSeen } from './helpers/acked-writes';
import { createTestApp } from './helpers/app';
import { BlogClient } from './helpers/blog-client';
import { BlogTraffic } from './helpers/blog-traffic';
import { cliEnvOf, verifyStores } from './helpers/migration';
import { dropTestStores, withCassandra } from './helpers/stores';

/** Each write to the secondary waits this long in the proxy (the acceptance's "10 s per write"). */
const SECONDARY_DELAY_MS = 10_000;
/** The copier's bound for this test: small, so a few seconds of writes reach it. */
const MAX_IN_FLIGHT = 16;
/**
 * Requests the proxy may hold toward the secondary at once (chunks, about one request each):
 * the copies in flight, the hint retry's (8 at a time) and a few of the driver's own, with room.
 * Starting every copy, as before the bound, held about 150 here.
 */
const HELD_BOUND = 2 * (MAX_IN_FLIGHT + 8);
/** How long the writers run against the slowed secondary. */
const SLOW_MS = 20_000;
/** Writes per second over all workers. */
const RATE = 15;
/**
 * Every request must end within this: far below the secondary's delay, so a request that waited
 * for its copy would fail it; generous for a primary on a 2-core machine shared with other runs.
 */
const LATENCY_BOUND_MS = 5000;
/**
 * The heap may grow this much while the secondary is slow (generous: it also holds the test's
 * own records and whatever the collector has not reclaimed yet). What keeps it small is the
 * bound on copies, asserted exactly below.
 */
const HEAP_GROWTH_BOUND_BYTES = 200 * 1024 * 1024;
/** After the delay is lifted: copies still running end, and the hint retry copies the hints. */
const DRAINED_WITHIN_MS = 60_000;

/**
 * The secondary is slowed to 10 s per write by a TCP proxy between the app and its server (the
 * shared servers are never touched) while writers keep writing: requests keep their latency
 * bound, copies in flight never exceed SECONDARY_MAX_IN_FLIGHT, the rest are hinted; once the
 * delay is lifted the hints drain and every acknowledged write is in both stores.
 */
describe.each<[MigrationPhase, 'cassandra' | 'mongo']>([
  ['dual-write', 'cassandra'],
  ['cassandra-primary', 'mongo'],
])(
  '%s with its secondary (%s) slowed to 10 s per write (real servers, through a fault proxy)',
  (phase, secondaryName) => {
    const stores = testStores();
    let proxy: FaultProxy;
    let direct: AppConfig;
    let app: NestExpressApplication;
    let blog: BlogClient;
    let traffic: BlogTraffic | undefined;

    beforeAll(async () => {
      const env = testEnv(`slow_${phase}`, {
        MIGRATION_PHASE: phase,
        SECONDARY_WRITE_TIMEOUT_MS: '1000',
        SECONDARY_MAX_IN_FLIGHT: String(MAX_IN_FLIGHT),
        HINT_RETRY_INTERVAL: '1s',
        RECONCILE_INTERVAL: '0',
        // the writers' pace is the test's, not a client's rate limit
        RATE_LIMIT_COMMENTS: '0',
        RATE_LIMIT_WRITES: '0',
      });
      direct = loadConfig(env);
      const proxied = { ...env };
      if (secondaryName === 'cassandra') {
        proxy = FaultProxy.of(stores.cassandraContactPoints.split(',')[0], 9042);
        proxied.CASSANDRA_CONTACT_POINTS = `127.0.0.1:${await proxy.start()}`;
      } else {
        const url = new URL(env.MONGO_URL);
        proxy = FaultProxy.of(url.host, 27017);
        url.host = `127.0.0.1:${await proxy.start()}`;
        // the proxy is the server: never follow a replica set's host list around it
        url.searchParams.set('directConnection', 'true');
        proxied.MONGO_URL = url.toString();
      }
      app = await createTestApp(loadConfig(proxied));
      blog = await BlogClient.of(app);
    }, 120_000);

    afterAll(async () => {
      await traffic?.stop();
      proxy.heal();
      await app?.close();
      await proxy.close();
      await dropTestStores(direct);
    }, 120_000);

    it('requests keep their latency bound, copies in flight stay within the bound and the rest are hinted; then the hints drain and both stores hold every acknowledged write', async () => {
      const copies = app.get(PostStoreRouter).copiesOf(phase) as SecondaryCopies;
      const hints = app.get(HintLogs).get(phasePlan(phase).hintLog!);
      traffic = new BlogTraffic(
        blog,
        { posts: [], comments: [] },
        { rate: RATE, timeoutMs: 60_000 },
      );
      traffic.start(6);
      await sleep(2000); // some posts to edit, comment and delete, copied at full speed

      proxy.setLatency({ toTarget: SECONDARY_DELAY_MS });
      const slowFrom = Date.now();
      const heapBefore = process.memoryUsage().heapUsed;
      let maxInFlight = 0;
      let maxHeld = 0;
      let maxHeap = heapBefore;
      let maxPending = 0;
      let sampledAt = 0;
      while (Date.now() - slowFrom < SLOW_MS) {
        maxInFlight = Math.max(maxInFlight, copies.counters.inFlight);
        maxHeld = Math.max(maxHeld, proxy.heldToTarget);
        maxHeap = Math.max(maxHeap, process.memoryUsage().heapUsed);
        if (Date.now() - sampledAt >= 1000) {
          sampledAt = Date.now();
          maxPending = Math.max(maxPending, await hints.pending());
        }
        await sleep(50);
      }
      const during = { ...copies.counters };
      const slowTo = Date.now();
      proxy.heal();
      await sleep(2000); // writes go on while the secondary catches up
      await traffic.stop();
      const drainFrom = Date.now();

      // nothing waited for the secondary: every request ended within the bound, none failed
      const latencies = traffic.requests.map((r) => r.ms).sort((a, b) => a - b);
      const slowRequests = traffic.requests.filter((r) => r.at >= slowFrom && r.at <= slowTo);
      const at = (q: number) =>
        latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
      console.log(
        `slow-secondary ${phase} | ${traffic.requests.length} requests (${slowRequests.length} while ${secondaryName} was slowed): p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${latencies.at(-1)} ms; copies ${JSON.stringify(during)}; in flight at most ${maxInFlight} (requests held in the proxy at most ${maxHeld}); hints pending at most ${maxPending}; heap +${((maxHeap - heapBefore) / 1048576).toFixed(1)} MB`,
      );
      expect(traffic.unexpected).toEqual([]);
      expect(slowRequests.length).toBeGreaterThan(SLOW_MS / 1000); // the writers really wrote meanwhile
      expect(latencies.at(-1)).toBeLessThan(LATENCY_BOUND_MS);
      // bounded: never more copies in flight than the bound, though far more were asked for
      expect(maxInFlight).toBeLessThanOrEqual(MAX_IN_FLIGHT);
      // and truly: what the secondary's connections carry stays small too
      expect(maxHeld).toBeLessThanOrEqual(HELD_BOUND);
      expect(during.shed).toBeGreaterThan(0);
      expect(during.writes).toBeGreaterThan(MAX_IN_FLIGHT * 2);
      expect(maxHeap - heapBefore).toBeLessThan(HEAP_GROWTH_BOUND_BYTES);
      // the misses are durable hints in the primary
      expect(maxPending).toBeGreaterThan(0);
      expect(during.unhinted).toBe(0);

      // the delay lifted: copies still running end, the hint retry drains every hint
      let pending = await hints.pending();
      while (copies.counters.inFlight > 0 || pending > 0) {
        if (Date.now() - drainFrom > DRAINED_WITHIN_MS) {
          throw new Error(
            `not drained ${DRAINED_WITHIN_MS} ms after the delay was lifted: ${copies.counters.inFlight} copies in flight, ${pending} hints pending`,
          );
        }
        await sleep(250);
        pending = await hints.pending();
      }
      await copies.drain();
      console.log(
        `slow-secondary ${phase} | drained ${Date.now() - drainFrom} ms after the writers stopped; acked writes ${JSON.stringify(countBy(traffic.acks.map((a) => a.op)))}`,
      );

      // every acknowledged write, with its last content, in both stores; nothing else
      const acked = [...traffic.posts.values()];
      expect(differences('mongo', acked, await mongoSeen(direct), true)).toEqual([]);
      const inCassandra = await withCassandra(direct, (client) =>
        cassandraSeen(client, direct.cassandraKeyspace),
      );
      expect(differences('cassandra', acked, inCassandra.seen, true)).toEqual([]);
      expect(inCassandra.byPostDiffers).toEqual([]);
      const verify = await verifyStores(cliEnvOf(direct), 200);
      if (verify.status !== 0 || !verify.report?.clean) {
        throw new Error(
          `verify is not clean (exit ${verify.status}):\n${verify.stdout}${verify.stderr}`,
        );
      }
    }, 240_000);
  },
);
