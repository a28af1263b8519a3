/**
 * `npm run bench:runbook`: the migration runbook, every operator command timed, against a fleet
 * of two app instances under a light steady load.
 *
 * 0. applies the schema of both stores (`schema migrate --store mongo,cassandra`: production
 *    needs Cassandra's before `phase set dual-write`), seeds
 *    BENCH_POSTS posts (default 100 000) and 5 × as many comments into MongoDB only (seedMongo,
 *    as bench:migration), in a database and keyspace of the bench's own; builds the app and
 *    starts two instances (`node dist/src/main.js`, NODE_ENV=production, MIGRATION_PHASE=mongo,
 *    default PHASE_POLL_INTERVAL, ports of their own) and a steady load on them (runbook-load.ts).
 * 1-12. runs each command as a CLI child exactly like `npm run cli -- …` (scripts/run-cli.js,
 *    the app's environment): to phase 3 and MongoDB cleaned up, then back to dual-write (see
 *    runbook-steps.ts). A non-zero exit stops the bench with the command's output and the end
 *    of both app logs.
 * Prints one table (seconds, exit code, peak RSS of the CLI child, the load during the step, the
 * key line of the output), the load's totals and failures, and the apps' peak RSS. Stops the
 * apps and drops every database and keyspace it made.
 *
 * Options (env): BENCH_POSTS, BENCH_KEEP_ON_FAILURE=1 (keep the data of a failed run for a
 * look), BENCH_LOAD_DELETES=0 (a load without deletes), BENCH_LOAD_INTERVAL_MS (each of the
 * load's writer and reader sends at most one request per this long, default 500), BENCH_LAST_STEP
 * (stop after it),
 * BENCH_MONGO_URL + BENCH_CASSANDRA_CONTACT_POINTS (else the test stack, started if needed:
 * bench-stack.ts).
 */
import { execSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { loadConfig } from '../src/config/app-config';
import { backfillName } from '../src/migration/backfill/backfill.service';
import { dropTestStores, withCassandra, withMongo } from '../test/integration/helpers/stores';
import { benchAppEnv, benchServers } from './support/bench-stack';
import { runCli } from './support/measured-child';
import { seedMongo } from './support/migration-data';
import { FleetApp, logTail, startFleetApp, waitForReports } from './support/runbook-fleet';
import { SteadyLoad } from './support/runbook-load';
import { BENCH_WRITER, benchWriterHeaders } from './support/bench-writer';
import { printLoad, printRunbook, runbookJson } from './support/runbook-report';
import { resultsMeta, writeResults } from './support/results';
import {
  StepResult,
  commandText,
  describeFailure,
  runStep,
  runbookSteps,
} from './support/runbook-steps';

const POSTS = Number(process.env.BENCH_POSTS ?? 100_000);
const COMMENTS_PER_POST = 5;
const INSTANCES = 2;
/** debugging: keep the database and keyspace when a step fails (drop them by hand after) */
const KEEP_ON_FAILURE = process.env.BENCH_KEEP_ON_FAILURE === '1';
/** `0`: the load deletes nothing (to tell a deletion problem from the rest). */
const LOAD_DELETES = process.env.BENCH_LOAD_DELETES !== '0';
/** the load's writer and reader each send at most one request per this long */
const LOAD_INTERVAL_MS = Number(process.env.BENCH_LOAD_INTERVAL_MS ?? 500);
/** stop after this step (e.g. 8: only the way to phase 3 and back into MongoDB) */
const LAST_STEP = Number(process.env.BENCH_LAST_STEP ?? 12);

const log = (line: string) => console.log(`bench:runbook: ${line}`);
const seconds = (from: number) => (Date.now() - from) / 1000;

function peakRssMb(pid: number): number | undefined {
  try {
    const match = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Whether the reverse backfill has a checkpoint (step 9's --restart then forgets it). */
async function reverseCheckpoint(config: ReturnType<typeof loadConfig>): Promise<string> {
  const name = backfillName('cassandra', 'mongo');
  const row = await withCassandra(config, (client) =>
    client.execute(
      `SELECT body FROM ${config.cassandraKeyspace}.migration_state WHERE name = ?`,
      [name],
      { prepare: true },
    ),
  );
  const body = row.first()?.get('body') as string | undefined;
  return body ? `exists (${body.slice(0, 120)})` : 'none';
}

async function main(): Promise<void> {
  if (!(LOAD_INTERVAL_MS > 0)) {
    throw new Error(`BENCH_LOAD_INTERVAL_MS must be a positive number of milliseconds`);
  }
  const servers = await benchServers();
  const env = {
    ...benchAppEnv(servers, 'bench_runbook'),
    MIGRATION_PHASE: 'mongo',
    NO_COLOR: '1', // plain app logs
    // this benchmark times the data steps; the shadow-read gate (no open mismatch) stays on, but
    // its sample minimum would make the run wait for traffic (bench:shadow measures those reads)
    SHADOW_MIN_SAMPLES: '0',
  };
  // both stores: what to drop at the end
  const both = { ...env, MIGRATION_PHASE: 'dual-write' };
  const config = loadConfig(both);
  const workDir = mkdtempSync(path.join(tmpdir(), 'bench-runbook-'));
  const backupFile = path.join(workDir, 'blog-backup.jsonl.gz');
  const results: StepResult[] = [];
  const apps: FleetApp[] = [];
  let load: SteadyLoad | undefined;
  let loadFrom = 0;
  let failed = false;
  log(`database and keyspace ${config.cassandraKeyspace}; work dir ${workDir}`);
  try {
    log('building the app (nest build)');
    execSync('npx nest build', { cwd: path.resolve(__dirname, '..'), stdio: 'inherit' });

    const schemaFrom = Date.now();
    const schema = await runCli(['schema', 'migrate', '--store', 'mongo,cassandra'], env);
    results.push({
      step: '0',
      command: 'schema migrate --store mongo,cassandra',
      seconds: schema.wallSeconds,
      exitCode: schema.exitCode,
      peakRssMb: schema.peakRssMb,
      key: `${schema.stdout.split('\n').filter((l) => /applied/.test(l)).length} migration(s) applied`,
      from: schemaFrom,
      to: Date.now(),
    });
    if (schema.exitCode !== 0) throw new Error(`schema migrate failed:\n${schema.stderr}`);

    const seedFrom = Date.now();
    const comments = POSTS * COMMENTS_PER_POST;
    log(`seeding ${POSTS} posts and ${comments} comments into MongoDB`);
    await withMongo(config, (db) => seedMongo(db, POSTS, comments, false, log));
    const seeded = `${POSTS} posts, ${comments} comments`;
    results.push(row('0', 'seed MongoDB', seedFrom, seeded));

    const appsFrom = Date.now();
    for (let i = 1; i <= INSTANCES; i++) {
      apps.push(await startFleetApp(`web-${i}`, env, path.join(workDir, `web-${i}.log`)));
    }
    await withMongo(config, (db) => waitForReports(db, INSTANCES));
    const where = apps.map((app) => app.url.replace('http://127.0.0.1', '')).join(', ');
    results.push(row('0', `start ${INSTANCES} apps (phase mongo)`, appsFrom, `ports ${where}`));

    // the load's writes are signed in: an admin made with the CLI (phase mongo, like the apps);
    // its account and token then migrate with the data, so they keep working in every phase
    log(`creating the load's account (user add ${BENCH_WRITER.username}, user token)`);
    const writer = benchWriterHeaders(env);
    load = new SteadyLoad(
      apps.map((app) => app.url),
      writer,
      LOAD_DELETES,
      LOAD_INTERVAL_MS,
    );
    loadFrom = Date.now();
    load.start();

    for (const step of runbookSteps(backupFile).filter((s) => Number(s.step) <= LAST_STEP)) {
      if (step.step === '9') log(`reverse backfill checkpoint: ${await reverseCheckpoint(config)}`);
      log(`step ${step.step}: ${commandText(step.args)}`);
      const { result, run } = await runStep(step, env);
      if (step.step === '6' && result.exitCode === 0) {
        result.key += ` [file ${(statSync(backupFile).size / 1024 / 1024).toFixed(1)} MiB]`;
      }
      results.push(result);
      log(
        `step ${step.step}: exit ${result.exitCode} in ${result.seconds.toFixed(1)} s: ${result.key}`,
      );
      const down = apps.filter((app) => app.exited() !== undefined);
      if (result.exitCode !== 0 || down.length > 0) {
        failed = true;
        console.log(describeFailure(result, run));
        for (const app of down) console.log(`app ${app.name} exited with ${app.exited()}`);
        break;
      }
    }
  } catch (error) {
    failed = true;
    throw error;
  } finally {
    await load?.stop();
    const loadTo = Date.now();
    const rssMb = apps.map((app) => peakRssMb(app.pid));
    const rss = apps.map((app, i) => `${app.name} ${rssMb[i]?.toFixed(0) ?? '?'} MiB`);
    if (failed) {
      for (const app of apps) console.log(`--- ${app.name} log (end) ---\n${logTail(app)}`);
    }
    await Promise.all(apps.map((app) => app.stop()));
    console.log('');
    printRunbook(results, load);
    if (load) printLoad(load, loadFrom, loadTo);
    if (apps.length) console.log(`app instances' peak RSS: ${rss.join(', ')}`);
    if (load) {
      const options = {
        BENCH_POSTS: POSTS,
        BENCH_LOAD_INTERVAL_MS: LOAD_INTERVAL_MS,
        BENCH_LOAD_DELETES: LOAD_DELETES ? 1 : 0,
        BENCH_LAST_STEP: LAST_STEP,
        instances: INSTANCES,
      };
      const label = POSTS % 1000 === 0 ? `${POSTS / 1000}k` : `${POSTS} posts`;
      const run = {
        label,
        options,
        results,
        load,
        from: loadFrom,
        to: loadTo,
        appPeakRssMb: rssMb,
      };
      await writeResults('runbook', runbookJson(resultsMeta('runbook', options), run))
        .then((file) => log(`results written to ${file}`))
        .catch((error: unknown) => log(`results not written: ${String(error)}`));
    }
    if (failed && KEEP_ON_FAILURE) {
      log(
        `kept for a look: MONGO_URL=${config.mongoUrl} CASSANDRA_KEYSPACE=${config.cassandraKeyspace}`,
      );
    } else {
      await dropTestStores(config).catch((error: unknown) => log(`drop failed: ${String(error)}`));
    }
    rmSync(failed ? backupFile : workDir, { recursive: true, force: true });
    rmSync(`${backupFile}.partial`, { force: true });
    if (failed) log(`app logs kept in ${workDir}`);
    await servers.release();
  }
  if (load && load.failures.length > 0) {
    log(`${load.failures.length} request(s) of the load FAILED`);
    process.exitCode = 1;
  } else if (failed) {
    process.exitCode = 1;
  } else {
    log('every step exited 0 and no request failed');
  }
}

function row(step: string, command: string, from: number, key: string): StepResult {
  return { step, command, seconds: seconds(from), exitCode: 0, key, from, to: Date.now() };
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
