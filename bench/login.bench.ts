/**
 * `npm run bench:login`: whether a failed sign-in takes the same time whatever the reason, so the
 * answer's timing does not tell which usernames exist (issue 14: "the same message whether the
 * user is unknown or the password is wrong, taking the same time").
 *
 * Boots the real app (AppModule + configureApp, phase mongo, on the test stack or
 * BENCH_MONGO_URL + BENCH_CASSANDRA_CONTACT_POINTS) in this process with the login throttle
 * raised out of the way, makes one account and one disabled account, and then posts the sign-in
 * form (with its `_csrf`, as a browser does) BENCH_LOGIN_ROUNDS times (default 200) for each kind
 * of failure: an unknown username, a known one with a wrong password, and a disabled account with
 * its right password. Every round sends the kinds in a rotating order, one request at a time, so
 * the machine's noise falls on all of them alike. Prints p50/p90 per kind and the ratios of each
 * to the wrong-password p50 (target 0.90–1.10), and writes bench/results/login.json.
 */
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { AddressInfo } from 'node:net';
import * as os from 'node:os';
import { performance } from 'node:perf_hooks';
import { AccountsService } from '../src/accounts/accounts.service';
import { AppModule } from '../src/app.module';
import { loadConfig } from '../src/config/app-config';
import { configureApp } from '../src/configure-app';
import { dropTestStores } from '../test/integration/helpers/stores';
import { benchAppEnv, benchServers } from './support/bench-stack';
import { LoginJson, LoginRowJson, Ratio, resultsMeta, writeResults } from './support/results';

const ROUNDS = Number(process.env.BENCH_LOGIN_ROUNDS ?? 200);
const PASSWORD = 'correct horse battery';
const log = (line: string) => console.log(`bench:login: ${line}`);

interface Kind {
  name: string;
  username: string;
  password: string;
}

const KINDS: Kind[] = [
  { name: 'wrong password', username: 'bench-author', password: 'not the password' },
  { name: 'unknown username', username: 'bench-nobody', password: 'not the password' },
  { name: 'disabled account, right password', username: 'bench-gone', password: PASSWORD },
];

/** One visitor: its cookie and the `_csrf` of the sign-in form it was given. */
async function visitor(base: string): Promise<{ cookie: string; csrf: string }> {
  const res = await fetch(`${base}/login`);
  const html = await res.text();
  const csrf = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
  const cookie = res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  if (!csrf || !cookie) throw new Error('GET /login gave no _csrf field or no cookie');
  return { cookie, csrf };
}

async function signIn(
  base: string,
  who: { cookie: string; csrf: string },
  kind: Kind,
): Promise<{ ms: number; status: number }> {
  const body = new URLSearchParams({
    _csrf: who.csrf,
    username: kind.username,
    password: kind.password,
  });
  const started = performance.now();
  const res = await fetch(`${base}/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: who.cookie },
    body,
    redirect: 'manual',
  });
  await res.arrayBuffer();
  return { ms: performance.now() - started, status: res.status };
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const loadAverage = () => os.loadavg().map((value) => Math.round(value * 100) / 100);

async function main(): Promise<void> {
  const servers = await benchServers();
  const env = {
    ...benchAppEnv(servers, 'bench_login'),
    NODE_ENV: 'development',
    LOG_LEVEL: 'warn',
    MIGRATION_PHASE: 'mongo',
    // the bench fails hundreds of times on purpose; the throttle has its own tests
    LOGIN_FAILURES_PER_USERNAME: '1000',
    LOGIN_FAILURES_PER_ADDRESS: '10000',
  };
  const config = loadConfig(env);
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    logger: ['error', 'warn'],
  });
  try {
    configureApp(app);
    await app.listen(0, '127.0.0.1');
    const base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    const accounts = app.get(AccountsService);
    await accounts.create({ username: 'bench-author', role: 'author', password: PASSWORD });
    const gone = await accounts.create({
      username: 'bench-gone',
      role: 'author',
      password: PASSWORD,
    });
    await accounts.setDisabled(gone.id, true);
    const who = await visitor(base);
    const loadAtStart = loadAverage();
    log(`machine: load average ${loadAtStart.join(' ')} on ${os.cpus().length} CPUs`);
    // warm-up (JIT, the decoy hash, connection pools), not counted
    for (const kind of KINDS) await signIn(base, who, kind);
    const times = new Map<string, number[]>(KINDS.map((k) => [k.name, []]));
    const statuses = new Map<string, Set<number>>(KINDS.map((k) => [k.name, new Set()]));
    for (let round = 0; round < ROUNDS; round++) {
      for (let i = 0; i < KINDS.length; i++) {
        const kind = KINDS[(round + i) % KINDS.length];
        const { ms, status } = await signIn(base, who, kind);
        times.get(kind.name)!.push(ms);
        statuses.get(kind.name)!.add(status);
      }
    }
    const loadAtEnd = loadAverage();
    const rows: LoginRowJson[] = KINDS.map((kind) => {
      const sorted = [...times.get(kind.name)!].sort((a, b) => a - b);
      return {
        kind: kind.name,
        statuses: [...statuses.get(kind.name)!],
        p50_ms: percentile(sorted, 50),
        p90_ms: percentile(sorted, 90),
        mean_ms: sorted.reduce((a, b) => a + b, 0) / sorted.length,
      };
    });
    for (const row of rows) {
      if (row.statuses.some((s) => s !== 401)) {
        throw new Error(`${row.kind}: expected only 401, got ${row.statuses.join(',')}`);
      }
    }
    const reference = rows[0];
    const ratios: Ratio[] = rows.slice(1).map((row) => {
      const value = row.p50_ms / reference.p50_ms;
      return {
        name: `p50, ${row.kind} / ${reference.kind}`,
        numerator: row.p50_ms,
        denominator: reference.p50_ms,
        value,
        target: '0.90–1.10',
        met: value >= 0.9 && value <= 1.1,
      };
    });
    console.log('');
    console.log('failed sign-in                   | status | p50 ms | p90 ms | mean ms');
    for (const r of rows) {
      console.log(
        `${r.kind.padEnd(32)} | ${r.statuses.join(',').padEnd(6)} | ${r.p50_ms.toFixed(1).padStart(6)} | ${r.p90_ms.toFixed(1).padStart(6)} | ${r.mean_ms.toFixed(1).padStart(7)}`,
      );
    }
    log(`load average at the end ${loadAtEnd.join(' ')}`);
    for (const r of ratios) {
      log(`  ${r.name}: ${r.value?.toFixed(2)} (${r.met ? 'met' : 'NOT met'}, ${r.target})`);
    }
    const json: LoginJson = {
      meta: resultsMeta('login', { BENCH_LOGIN_ROUNDS: ROUNDS }),
      load_average: { start: loadAtStart, end: loadAtEnd },
      rows,
      ratios,
    };
    log(`results written to ${await writeResults('login', json)}`);
  } finally {
    await app.close();
    await dropTestStores(config).catch(() => undefined);
    await servers.release();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
