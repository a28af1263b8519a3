import { NestExpressApplication } from '@nestjs/platform-express';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { AppConfig, loadConfig } from '../../../src/config/app-config';
import { dropTestStores } from '../../integration/helpers/stores';
import { testEnv } from '../../support/test-env';
import { copiesDone } from '../helpers/both-stores';
import { E2E_PHASES } from '../helpers/phases';
import { generateCase } from './cases';
import { digestDiff, StoreDigest, storeDigest } from './digest';
import { CapturingLogger, makeFixtures, startHostileApp } from './hostile-app';
import { send } from './raw-http';
import { buildRequest, describeRequest, Fixtures } from './request';
import { appRoutes, coverageGaps, ROUTES } from './routes';
import { runSeed } from './prng';

/**
 * The hostile-input suite: thousands of generated requests against every route in every phase
 * (see docs/testing.md). Seeded: HOSTILE_SEED replays a run, HOSTILE_CASE=<phase>#<index> one
 * case of it, HOSTILE_CASES sets the cases per phase.
 */
const SEED = runSeed();
const CASES_PER_PHASE = Number(process.env.HOSTILE_CASES || 1300);
const ONLY = process.env.HOSTILE_CASE;
/** Every answer within this (a generous bound: the machine is shared and noisy). */
const ANSWER_BOUND_MS = 5000;
/** The app's event loop never blocked longer than this. */
const LOOP_BOUND_MS = 200;
/**
 * A case that blocked the loop longer than LOOP_BOUND_MS is sent this many times more, and its
 * shortest block counts: an input that blocks the loop does so every time, while a process the
 * shared machine did not schedule for a moment (or a GC pause) does not repeat.
 */
const LOOP_RECHECKS = 2;

const REPLAY = `HOSTILE_SEED=${SEED} npx jest test/e2e/hostile --selectProjects integration`;
// printed at the start of every run, so a CI failure can be replayed
process.stdout.write(`hostile-input suite: seed ${SEED} (replay: ${REPLAY})\n`);

interface CaseResult {
  index: number;
  route: string;
  write: boolean;
  status?: number;
  location?: string;
  bodyStart?: string;
  error?: string;
  ms: number;
  /** the shortest of the loop blocks measured while answering it (see LOOP_RECHECKS) */
  blockedMs: number;
  /** every loop block measured, the first answer's first */
  blockedRuns: number[];
  /** bytes sent */
  size: number;
}

function indices(phase: string): number[] {
  if (ONLY) {
    const [onlyPhase, index] = ONLY.includes('#') ? ONLY.split('#') : [phase, ONLY];
    return onlyPhase === phase ? [Number(index)] : [];
  }
  return Array.from({ length: CASES_PER_PHASE }, (_, i) => i);
}

describe.each(E2E_PHASES)('hostile input (phase %s)', (phase) => {
  let config: AppConfig;
  let app: NestExpressApplication;
  let fixtures: Fixtures;
  let before: StoreDigest;
  const logger = new CapturingLogger();
  const results: CaseResult[] = [];

  beforeAll(async () => {
    config = loadConfig(
      testEnv(`hostile-${phase}`, {
        MIGRATION_PHASE: phase,
        // every case comes from 127.0.0.1: limits would answer 429 before validation is reached
        RATE_LIMIT_COMMENTS: '0',
        RATE_LIMIT_WRITES: '0',
      }),
    );
    const started = await startHostileApp(config, logger);
    app = started.app;
    fixtures = await makeFixtures(app, started.port);
    await copiesDone({ app, config });
    before = await storeDigest(config);
  });

  afterAll(async () => {
    await app?.close();
    if (config) await dropTestStores(config);
  });

  /** How to see and replay one case, with what the app logged while answering it. */
  function explain(result: CaseResult): string {
    const hc = generateCase(SEED, phase, result.index);
    const logged = logger.errors.filter((e) => e.during === `${phase}#${result.index}`);
    return [
      `case ${phase}#${result.index} ${hc.route} → ${result.status ?? result.error} in ${Math.round(result.ms)} ms, loop blocked ${result.blockedRuns.map(Math.round).join(' / ')} ms`,
      describeRequest(buildRequest(hc, fixtures)),
      result.bodyStart ? `  answer: ${JSON.stringify(result.bodyStart.slice(0, 200))}` : '',
      ...logged.map((e) => `  app logged: ${e.text.split('\n').slice(0, 4).join(' | ')}`),
      `  replay: HOSTILE_SEED=${SEED} HOSTILE_CASE='${phase}#${result.index}' npx jest test/e2e/hostile --selectProjects integration`,
    ]
      .filter(Boolean)
      .join('\n');
  }

  /** The error the app logged for the case, without the request line ("TypeError: ..."). */
  function cause(result: CaseResult): string {
    const logged = logger.errors.find((e) => e.during === `${phase}#${result.index}`);
    if (!logged) return '';
    const match = /\b([A-Z]\w*(?:Error|Exception))\b:?\s*([^|\n]*)/.exec(logged.text);
    if (!match) return logged.text.split('\n')[0].slice(0, 100);
    const [, name, rest] = match;
    return `${name}: ${rest.split(name)[0].trim().slice(0, 80)}`;
  }

  /** Failures grouped by status and the app's logged error; the routes and two examples of each. */
  function report(failed: CaseResult[], what: string): string {
    const classes = new Map<string, CaseResult[]>();
    for (const result of failed) {
      const key = `${result.status ?? result.error?.slice(0, 60)} ${cause(result)}`;
      classes.set(key, [...(classes.get(key) ?? []), result]);
    }
    const out = [
      `${failed.length} of ${results.length} cases ${what} (seed ${SEED}; ${classes.size} classes)`,
    ];
    for (const [key, members] of classes) {
      const routes = [...new Set(members.map((m) => m.route))].join(', ');
      out.push(`\n== ${members.length}× ${key} (${routes})`);
      // the smallest requests first: the easiest to read and replay
      members.sort((a, b) => a.size - b.size);
      for (const member of members.slice(0, 2)) out.push(explain(member));
    }
    return out.join('\n');
  }

  it('has a generator for every route the app serves', () => {
    const served = appRoutes(app);
    expect(served.length).toBeGreaterThanOrEqual(ROUTES.length);
    expect(coverageGaps(served)).toEqual({ uncovered: [], stale: [] });
  });

  it(`answers ${ONLY ?? CASES_PER_PHASE} hostile requests`, async () => {
    const monitor = monitorEventLoopDelay({ resolution: 10 });
    monitor.enable();
    /** sends the case; the longest loop block while it was answered (ms) */
    const answer = async (index: number, result?: CaseResult): Promise<number> => {
      const request = buildRequest(generateCase(SEED, phase, index), fixtures);
      logger.current = `${phase}#${index}`;
      monitor.reset();
      const started = performance.now();
      try {
        const answered = await send(fixtures.port, request, ANSWER_BOUND_MS);
        if (result) {
          result.status = answered.status;
          result.location = answered.headers.location;
          if (answered.status >= 500) result.bodyStart = answered.bodyStart;
        }
      } catch (error) {
        if (result) result.error = (error as Error).message;
      }
      if (result) result.ms = performance.now() - started;
      return monitor.max / 1e6;
    };
    try {
      for (const index of indices(phase)) {
        const hc = generateCase(SEED, phase, index);
        const request = buildRequest(hc, fixtures);
        const result: CaseResult = {
          index,
          route: hc.route,
          write: hc.refusedBecause.length > 0,
          ms: 0,
          blockedMs: 0,
          blockedRuns: [],
          size: request.body.length + request.target.length,
        };
        result.blockedRuns.push(await answer(index, result));
        // the same bytes again: every generated write is refused, so a replay changes nothing either
        while (
          Math.min(...result.blockedRuns) > LOOP_BOUND_MS &&
          result.blockedRuns.length <= LOOP_RECHECKS
        ) {
          result.blockedRuns.push(await answer(index));
        }
        result.blockedMs = Math.min(...result.blockedRuns);
        results.push(result);
      }
    } finally {
      monitor.disable();
      logger.current = '';
    }
    expect(results.length).toBe(indices(phase).length);
  }, 900_000);

  it('never answers with a 5xx', () => {
    const failed = results.filter((r) => r.status !== undefined && r.status >= 500);
    if (failed.length > 0) throw new Error(report(failed, 'answered 5xx'));
  });

  it(`answers every request within ${ANSWER_BOUND_MS} ms`, () => {
    const failed = results.filter((r) => r.error !== undefined || r.ms > ANSWER_BOUND_MS);
    if (failed.length > 0)
      throw new Error(report(failed, `had no answer within ${ANSWER_BOUND_MS} ms`));
  });

  it(`never blocks the event loop longer than ${LOOP_BOUND_MS} ms, ${LOOP_RECHECKS + 1} times out of ${LOOP_RECHECKS + 1}`, () => {
    const failed = results.filter((r) => r.blockedMs > LOOP_BOUND_MS);
    if (failed.length > 0)
      throw new Error(report(failed, `blocked the event loop > ${LOOP_BOUND_MS} ms`));
  });

  it('changes nothing in either store', async () => {
    await copiesDone({ app, config });
    const after = await storeDigest(config);
    const diff = digestDiff(before, after);
    if (diff.length > 0) {
      // writes that answered like a success are the suspects
      const suspects = results.filter(
        (r) =>
          r.write &&
          r.status !== undefined &&
          (r.status < 300 || (r.status === 303 && !r.location?.startsWith('/login'))),
      );
      throw new Error(
        [
          `the stores changed (seed ${SEED}):`,
          ...diff,
          '',
          suspects.length > 0
            ? report(suspects, 'were writes that answered like a success')
            : 'no write answered like a success',
        ].join('\n'),
      );
    }
    expect(Object.keys(after.hashes).length).toBeGreaterThan(0);
  });
});
