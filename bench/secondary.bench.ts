/**
 * `npm run bench:secondary`: how fast MongoDB keeps up as the secondary of `cassandra-primary`.
 * In one process, on the real stores (the app's store providers, no HTTP):
 *
 * (a) Sustained write rate: BENCH_CLIENTS clients write through the dual-write store (Cassandra
 *     first, the copy to MongoDB behind it, hinted when it fails or takes longer than
 *     SECONDARY_WRITE_TIMEOUT_MS or SECONDARY_MAX_IN_FLIGHT copies are in flight), at each rate of
 *     BENCH_RATES writes/s for BENCH_STEP_SECONDS, while the hint retry runs every
 *     HINT_RETRY_INTERVAL as the app's job does. A rate is kept up with when the clients reached
 *     it (95 %) and the pending hints did not grow over the step (at most 1 % of its writes).
 *     Writes: 70 % new posts, 20 % edits, 10 % comments; each client starts its writes on time
 *     (open loop, up to 32 unanswered), so the primary's latency does not pace them.
 * (b) Drain rate: a backlog of BENCH_HINTS hints (80 % new posts, 10 % comments, 10 % post
 *     deletions) drained three times, each time into an emptied MongoDB: by the hint retry as it
 *     was (one by one, batch 100, concurrency 8), by today's with those settings, and by today's
 *     with its defaults (HINT_RETRY_BATCH, HINT_RETRY_CONCURRENCY). Prints hints/s and the ratios.
 *
 * Options (env): BENCH_CLIENTS (4), BENCH_RATES (10,20,40,80,160,320), BENCH_STEP_SECONDS (20),
 * BENCH_HINTS (5000), BENCH_SECONDARY_LABEL (what the secondary is, for the table), HINT_RETRY_BATCH / HINT_RETRY_CONCURRENCY (the new settings measured),
 * BENCH_MONGO_URL + BENCH_CASSANDRA_CONTACT_POINTS (another MongoDB-wire server, e.g. FerretDB on
 * PostgreSQL, and its Cassandra; default: the test stack).
 */
import { INestApplicationContext } from '@nestjs/common';
import { getConnectionToken } from '@nestjs/mongoose';
import { Connection } from 'mongoose';
import { mapConcurrent } from '../src/common/map-concurrent';
import { sleep } from '../src/common/sleep';
import { AppConfig, loadConfig } from '../src/config/app-config';
import { COMMENT_KIND } from '../src/kinds/comment.kind';
import { POST_KIND } from '../src/kinds/post.kind';
import { HintRetryService } from '../src/migration/reconcile/hint-retry.service';
import { DualWritePostStore } from '../src/store/dual-write/dual-write-post-store';
import { HintLog } from '../src/store/hints/hint-log';
import { HintLogs } from '../src/store/hints/hint-logs';
import { Post } from '../src/store/post';
import { PostStoreRouter } from '../src/store/post-store.router';
import { Replicas } from '../src/store/replicas';
import { deleteVersion, nextVersion, nowMicros } from '../src/store/versions';
import { dropTestStores } from '../test/integration/helpers/stores';
import { benchAppEnv, benchServers } from './support/bench-stack';
import { drainOneByOne } from './support/one-by-one-drain';
import {
  Ratio,
  resultsMeta,
  SecondaryDrainJson,
  SecondaryJson,
  SecondaryStepJson,
  writeResults,
} from './support/results';
import { fakeComment, fakePost } from './support/seed';
import { storeContext } from './support/seed-module';

const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 4);
const RATES = (process.env.BENCH_RATES ?? '10,20,40,80,160,320').split(',').map(Number);
const STEP_SECONDS = Number(process.env.BENCH_STEP_SECONDS ?? 20);
const HINTS = Number(process.env.BENCH_HINTS ?? 5000);
const OLD = { batch: 100, concurrency: 8 };
/** past this many of its writes unanswered a client waits (the primary is the limit then) */
const MAX_IN_FLIGHT_PER_CLIENT = 32;

const log = (line: string) => console.log(`bench:secondary: ${line}`);

interface Bench {
  config: AppConfig;
  context: INestApplicationContext;
  retry: HintRetryService;
  hints: HintLog;
}

async function main(): Promise<void> {
  const servers = await benchServers();
  const env = {
    ...benchAppEnv(servers, 'bench_secondary'),
    MIGRATION_PHASE: 'cassandra-primary',
    NODE_ENV: 'development',
  };
  const config = loadConfig({ ...env, ...pick(process.env, 'HINT_RETRY_') });
  const context = await storeContext(config);
  try {
    const bench: Bench = {
      config,
      context,
      retry: new HintRetryService(context.get(Replicas), config),
      hints: context.get(HintLogs).get('cassandra'),
    };
    const steps: SecondaryStepJson[] = [];
    for (const rate of RATES) {
      const step = await writeStep(bench, rate);
      steps.push(step);
      log(
        `${rate} writes/s asked, ${step.achieved_per_second.toFixed(0)} made: ${step.missed} hinted, pending ${step.pending_start} → ${step.pending_end}: ${step.kept_up ? 'kept up' : 'fell behind'}`,
      );
      if (!step.kept_up) break;
    }
    const drains: SecondaryDrainJson[] = [];
    const settings = { batch: config.hintRetryBatch, concurrency: config.hintRetryConcurrency };
    for (const [label, drain] of [
      [`before: one by one, batch ${OLD.batch}, concurrency ${OLD.concurrency}`, 'old'],
      [`batched, batch ${OLD.batch}, concurrency ${OLD.concurrency}`, OLD],
      [`batched, batch ${settings.batch}, concurrency ${settings.concurrency}`, settings],
    ] as const) {
      const result = await drainBacklog(bench, label, drain);
      drains.push(result);
      log(`${label}: ${result.hints} hints in ${result.seconds.toFixed(1)} s`);
    }
    const json = secondaryJson(steps, drains, settings, servers.mongoLabel);
    report(json);
    log(`results written to ${await writeResults('secondary', json)}`);
  } finally {
    await context.close();
    await dropTestStores(config).catch(() => undefined);
    await servers.release();
  }
}

const pick = (env: NodeJS.ProcessEnv, prefix: string) =>
  Object.fromEntries(Object.entries(env).filter(([name]) => name.startsWith(prefix)));

/** The clients' writes at `rate` for STEP_SECONDS, with the hint retry on its schedule. */
async function writeStep(bench: Bench, rate: number): Promise<SecondaryStepJson> {
  const dual = bench.context.get(PostStoreRouter).storeFor('cassandra-primary');
  if (!(dual instanceof DualWritePostStore)) throw new Error('cassandra-primary is not dual');
  await drainAll(bench); // every step starts with nothing pending
  const pendingStart = await bench.hints.pending();
  const missedBefore = dual.counters.missed;
  const started = Date.now();
  const endAt = started + STEP_SECONDS * 1000;
  let running = true;
  const retrying = (async () => {
    while (running) {
      await bench.retry.retry(
        bench.context.get(Replicas).get('cassandra'),
        mongoReplica(bench),
        bench.hints,
        () => !running,
      );
      await sleep(bench.config.hintRetryIntervalMs);
    }
  })();
  let writes = 0;
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, client) => {
      // posts this client wrote and is not editing now (an edit needs the version it replaces)
      const idle: Post[] = [];
      const write = async (n: number) => {
        const roll = n % 10;
        if (roll < 7 || idle.length === 0) {
          const post = fakePost(60);
          await dual.createPost(post);
          idle.push(post);
        } else if (roll < 9) {
          const post = idle.splice(Math.floor(Math.random() * idle.length), 1)[0];
          const next = {
            ...post,
            title: `${post.title} +`,
            updatedAt: new Date(),
            version: nextVersion(post.version),
          };
          idle.push((await dual.updatePost(next, post)) ? next : post);
        } else {
          await dual.addComment(fakeComment(idle[Math.floor(Math.random() * idle.length)]));
        }
        writes++;
      };
      // open loop: each write starts on time, whether or not the ones before have ended (a
      // client that waited would measure the primary's latency, not the secondary)
      const inFlight = new Set<Promise<void>>();
      const every = (1000 * CLIENTS) / rate;
      for (let n = 0; ; n++) {
        const due = started + client * (every / CLIENTS) + n * every;
        if (due >= endAt) break;
        if (due > Date.now()) await sleep(due - Date.now());
        if (inFlight.size >= MAX_IN_FLIGHT_PER_CLIENT) await Promise.race(inFlight);
        const running = write(n).finally(() => inFlight.delete(running));
        inFlight.add(running);
      }
      await Promise.all(inFlight);
    }),
  );
  const seconds = (Date.now() - started) / 1000;
  await dual.drain(); // the copies still in flight end (or are hinted)
  const pendingEnd = await bench.hints.pending();
  running = false;
  await retrying;
  const achieved = writes / seconds;
  return {
    target_per_second: rate,
    achieved_per_second: achieved,
    missed: dual.counters.missed - missedBefore,
    pending_start: pendingStart,
    pending_end: pendingEnd,
    kept_up: achieved >= rate * 0.95 && pendingEnd - pendingStart <= Math.max(1, writes * 0.01),
  };
}

const mongoReplica = (bench: Bench) => bench.context.get(Replicas).get('mongo');

async function drainAll(bench: Bench): Promise<void> {
  const replicas = bench.context.get(Replicas);
  while ((await bench.hints.pending()) > 0) {
    await bench.retry.retry(replicas.get('cassandra'), replicas.get('mongo'), bench.hints);
  }
}

/**
 * Makes a backlog of HINTS hints in Cassandra's log (what MongoDB missed) into an emptied
 * MongoDB, and times one drain of it.
 */
async function drainBacklog(
  bench: Bench,
  label: string,
  drain: 'old' | { batch: number; concurrency: number },
): Promise<SecondaryDrainJson> {
  const { context, hints } = bench;
  const replicas = context.get(Replicas);
  const [cassandra, mongo] = [replicas.get('cassandra'), replicas.get('mongo')];
  await drainAll(bench);
  const connection = context.get<Connection>(getConnectionToken());
  for (const name of ['posts', 'comments', 'deleted_posts', 'comment_deletions']) {
    await connection.collection(name).deleteMany({});
  }
  const primary = context.get(PostStoreRouter).storeNamed('cassandra');
  const hint = (entity: string, id: string, postId: string) =>
    hints.record({ entity, id, postId, op: 'upsert', at: nowMicros(), error: 'bench' });
  const deletions = Math.round(HINTS * 0.1);
  const comments = Math.round(HINTS * 0.1);
  const posts = Array.from({ length: HINTS - deletions - comments }, () => fakePost(60));
  const doomed = Array.from({ length: deletions }, () => fakePost(60));
  await mapConcurrent([...posts, ...doomed], 32, (post) => primary.createPost(post));
  await mongo.applyMany(POST_KIND, doomed, 32);
  await mapConcurrent(doomed, 32, async (post) => {
    await primary.deletePost(post, deleteVersion(post.version));
    await hint('post', post.id, post.id);
  });
  await mapConcurrent(posts, 32, (post) => hint('post', post.id, post.id));
  await mapConcurrent(posts.slice(0, comments), 32, async (post) => {
    const comment = fakeComment(post);
    await primary.addComment(comment);
    await hint(COMMENT_KIND.name, comment.id, post.id);
  });
  const backlog = await hints.pending();
  const started = Date.now();
  let copied: number;
  if (drain === 'old') {
    copied = await drainOneByOne(replicas.kinds, cassandra, mongo, hints);
  } else {
    const before = bench.retry.settings;
    bench.retry.settings = drain;
    try {
      const result = await bench.retry.retry(cassandra, mongo, hints);
      if (result.failed > 0) throw new Error(`${label}: ${result.failed} failed (${result.error})`);
      copied = result.retried;
    } finally {
      bench.retry.settings = before;
    }
  }
  const seconds = (Date.now() - started) / 1000;
  if (copied < backlog || (await hints.pending()) > 0) {
    throw new Error(`${label}: ${copied} of ${backlog} hints copied`);
  }
  return { label, hints: backlog, seconds, hints_per_second: backlog / seconds };
}

function secondaryJson(
  steps: SecondaryStepJson[],
  drains: SecondaryDrainJson[],
  settings: { batch: number; concurrency: number },
  mongoLabel: string,
): SecondaryJson {
  const kept = steps.filter((s) => s.kept_up).map((s) => s.target_per_second);
  const [before, oldSettings, now] = drains.map((d) => d.hints_per_second);
  const ratio = (name: string, a: number, b: number): Ratio => ({
    name,
    numerator: a,
    denominator: b,
    value: a / b,
    target: null,
    met: null,
  });
  return {
    meta: resultsMeta('secondary', {
      BENCH_CLIENTS: CLIENTS,
      BENCH_RATES: RATES.join(','),
      BENCH_STEP_SECONDS: STEP_SECONDS,
      BENCH_HINTS: HINTS,
      HINT_RETRY_BATCH: settings.batch,
      HINT_RETRY_CONCURRENCY: settings.concurrency,
    }),
    secondary: process.env.BENCH_SECONDARY_LABEL ?? mongoLabel,
    clients: CLIENTS,
    step_seconds: STEP_SECONDS,
    steps,
    sustained_per_second: kept.length > 0 ? Math.max(...kept) : null,
    drains,
    ratios: [
      ratio('drain rate, new defaults / before (one by one)', now, before),
      ratio('drain rate, new defaults / batched with the old settings', now, oldSettings),
    ],
  };
}

function report(json: SecondaryJson): void {
  console.log(`\ncassandra-primary, secondary ${json.secondary}; ${json.clients} clients\n`);
  console.log('| writes/s asked | made | hinted | pending start → end | kept up |');
  for (const s of json.steps) {
    console.log(
      `| ${s.target_per_second} | ${s.achieved_per_second.toFixed(0)} | ${s.missed} | ${s.pending_start} → ${s.pending_end} | ${s.kept_up ? 'yes' : 'no'} |`,
    );
  }
  console.log(`sustained: ${json.sustained_per_second ?? 'none of the rates'} writes/s\n`);
  for (const d of json.drains) {
    console.log(
      `${d.label}: ${d.hints_per_second.toFixed(0)} hints/s (${d.hints} in ${d.seconds.toFixed(1)} s)`,
    );
  }
  for (const r of json.ratios) console.log(`${r.name}: ${(r.value ?? NaN).toFixed(2)}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
