// Checks the Docker packaging without a Docker engine:
// - docker-compose.yml is validated and normalised by the real Compose CLI (`docker compose config`,
//   which needs no engine). scripts/docker/ensure-compose.sh builds the Compose plugin from the Go
//   module proxy when the docker client has none. Without a docker client at all, that part is
//   skipped (decided when this file loads).
// - the Dockerfile is checked statically (stages, COPY sources vs. the repo and .dockerignore), and
//   the HEALTHCHECK probe script is run against a throwaway local HTTP server.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const repoRoot = resolve(__dirname, '..', '..');
const composeFile = join(repoRoot, 'docker-compose.yml');
const ensureCompose = join(repoRoot, 'scripts', 'docker', 'ensure-compose.sh');

/** Every variable the app reads (src/config/app-config.ts), all of which compose must set. */
const APP_ENV_VARS = [
  'PORT',
  'NODE_ENV',
  'MONGO_URL',
  'CASSANDRA_CONTACT_POINTS',
  'CASSANDRA_LOCAL_DC',
  'CASSANDRA_KEYSPACE',
  'CASSANDRA_REPLICATION',
  'CASSANDRA_USERNAME',
  'CASSANDRA_PASSWORD',
  'CASSANDRA_TLS_CA',
  'CASSANDRA_TLS_CERT',
  'CASSANDRA_TLS_KEY',
  'MIGRATION_PHASE',
  'HEALTH_CHECK_TIMEOUT_MS',
  'SECONDARY_WRITE_TIMEOUT_MS',
  'SECONDARY_MAX_IN_FLIGHT',
  'MONGO_CONNECT_TIMEOUT_MS',
  'MONGO_SERVER_SELECTION_TIMEOUT_MS',
  'MONGO_WAIT_QUEUE_TIMEOUT_MS',
  'MONGO_SOCKET_TIMEOUT_MS',
  'CASSANDRA_CONNECT_TIMEOUT_MS',
  'CASSANDRA_READ_TIMEOUT_MS',
  'CASSANDRA_SPECULATIVE_DELAY_MS',
  'CASSANDRA_SPECULATIVE_EXECUTIONS',
  'CASSANDRA_NODE_LOSS_RETRY_MS',
  'STATS_MAX_AGE_MS',
  'HINT_RETRY_INTERVAL',
  'HINT_RETRY_BATCH',
  'HINT_RETRY_CONCURRENCY',
  'RECONCILE_INTERVAL',
  'PHASE_POLL_INTERVAL',
  'SESSION_SECRET',
  'SESSION_IDLE_TIMEOUT',
  'SESSION_MAX_AGE',
  'PASSWORD_MIN_LENGTH',
  'LOGIN_FAILURES_PER_USERNAME',
  'LOGIN_FAILURES_PER_ADDRESS',
  'LOGIN_FAILURE_WINDOW',
  'RATE_LIMIT_COMMENTS',
  'RATE_LIMIT_WRITES',
  'TRUST_PROXY',
  'COMMENTS_PER_POST',
  'AUTHOR_STATS_TOP',
  'OPS_HOST',
  'BACKUP_KEY',
  'METRICS_TOKEN',
  'HTTP_BODY_LIMIT',
  'HTTP_KEEP_ALIVE_TIMEOUT',
  'HTTP_HEADERS_TIMEOUT',
  'HTTP_REQUEST_TIMEOUT',
  'LOG_LEVEL',
  'SHADOW_READ_RATE',
  'SHADOW_RECHECK_DELAY',
  'SHADOW_QUEUE_LIMIT',
  'SHADOW_MIN_SAMPLES',
  'SHADOW_WINDOW',
];

/** Off when empty (an open Cassandra, as compose's own): passed through, empty by default. */
const CASSANDRA_SECURITY_VARS = [
  'CASSANDRA_USERNAME',
  'CASSANDRA_PASSWORD',
  'CASSANDRA_TLS_CA',
  'CASSANDRA_TLS_CERT',
  'CASSANDRA_TLS_KEY',
];

/** Optional: passed through, empty unless the user sets them. */
const MAY_BE_EMPTY = ['BACKUP_KEY', 'LOG_LEVEL', 'METRICS_TOKEN', ...CASSANDRA_SECURITY_VARS];

/** What the checks pass as SESSION_SECRET, which compose requires (no default). */
const TEST_SESSION_SECRET = 'packaging-test-secret-of-at-least-32-chars';

/** The variables loadConfig() reads, straight from its source: APP_ENV_VARS must keep up. */
function variablesReadByConfig(): string[] {
  const source = readFileSync(join(repoRoot, 'src', 'config', 'app-config.ts'), 'utf8');
  return [...source.matchAll(/read\(env, '([A-Z_]+)'/g)].map((m) => m[1]);
}

/** Variables docker-compose.yml interpolates: cleared so a developer's shell can't change results. */
const INTERPOLATED_VARS = [
  'MIGRATION_PHASE',
  'CASSANDRA_KEYSPACE',
  'CASSANDRA_REPLICATION',
  ...CASSANDRA_SECURITY_VARS,
  'HEALTH_CHECK_TIMEOUT_MS',
  'SECONDARY_WRITE_TIMEOUT_MS',
  'SECONDARY_MAX_IN_FLIGHT',
  'MONGO_CONNECT_TIMEOUT_MS',
  'MONGO_SERVER_SELECTION_TIMEOUT_MS',
  'MONGO_WAIT_QUEUE_TIMEOUT_MS',
  'MONGO_SOCKET_TIMEOUT_MS',
  'CASSANDRA_CONNECT_TIMEOUT_MS',
  'CASSANDRA_READ_TIMEOUT_MS',
  'CASSANDRA_SPECULATIVE_DELAY_MS',
  'CASSANDRA_SPECULATIVE_EXECUTIONS',
  'CASSANDRA_NODE_LOSS_RETRY_MS',
  'STATS_MAX_AGE_MS',
  'HINT_RETRY_INTERVAL',
  'HINT_RETRY_BATCH',
  'HINT_RETRY_CONCURRENCY',
  'RECONCILE_INTERVAL',
  'PHASE_POLL_INTERVAL',
  'SESSION_SECRET',
  'SESSION_IDLE_TIMEOUT',
  'SESSION_MAX_AGE',
  'PASSWORD_MIN_LENGTH',
  'LOGIN_FAILURES_PER_USERNAME',
  'LOGIN_FAILURES_PER_ADDRESS',
  'LOGIN_FAILURE_WINDOW',
  'RATE_LIMIT_COMMENTS',
  'RATE_LIMIT_WRITES',
  'TRUST_PROXY',
  'COMMENTS_PER_POST',
  'AUTHOR_STATS_TOP',
  'OPS_PORT',
  'OPS_HOST',
  'BACKUP_KEY',
  'HTTP_BODY_LIMIT',
  'HTTP_KEEP_ALIVE_TIMEOUT',
  'HTTP_HEADERS_TIMEOUT',
  'HTTP_REQUEST_TIMEOUT',
  'LOG_LEVEL',
  'SHADOW_READ_RATE',
  'SHADOW_RECHECK_DELAY',
  'SHADOW_QUEUE_LIMIT',
  'SHADOW_MIN_SAMPLES',
  'SHADOW_WINDOW',
  'MONGO_DATABASE',
  'MONGO_TAG',
  'APP_IMAGE',
  'APP_HOST_PORT',
  'CASSANDRA_MAX_HEAP_SIZE',
  'CASSANDRA_HEAP_NEWSIZE',
];

const dockerClientPresent = (() => {
  const probe = spawnSync('docker', ['--version'], { stdio: 'ignore' });
  return !probe.error && probe.status === 0;
})();

if (!dockerClientPresent) {
  console.warn(
    'docker-compose.spec: skipping the `docker compose config` checks: no `docker` client on PATH ' +
      '(scripts/docker/ensure-compose.sh reports docker-client-absent). The Dockerfile checks still run.',
  );
}

interface ComposeHealthcheck {
  test?: string[];
  disable?: boolean;
  start_period?: string;
}
interface ComposeService {
  image?: string;
  command?: string[] | null;
  environment?: Record<string, string | null>;
  healthcheck?: ComposeHealthcheck;
  depends_on?: Record<string, { condition: string }>;
  volumes?: { type: string; source?: string; target: string }[];
  ports?: { target: number; published?: string }[];
  build?: { context: string; dockerfile?: string; target?: string };
}
interface ComposeProject {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

function composeEnv(overrides: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env)) {
    if (name.startsWith('COMPOSE_') || INTERPOLATED_VARS.includes(name)) delete env[name];
  }
  return { ...env, ...overrides };
}

/** `docker compose config` on a file; an empty env file keeps a local .env out of the result. */
function composeConfig(
  file: string,
  overrides: Record<string, string> = { SESSION_SECRET: TEST_SESSION_SECRET },
): { status: number | null; stdout: string; stderr: string } {
  const emptyEnvFile = join(scratch(), 'empty.env');
  writeFileSync(emptyEnvFile, '');
  const run = spawnSync(
    'docker',
    ['compose', '--env-file', emptyEnvFile, '-f', file, 'config', '--format', 'json'],
    { cwd: repoRoot, env: composeEnv(overrides), encoding: 'utf8', timeout: 60_000 },
  );
  if (run.error) throw run.error;
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

let scratchDir: string | undefined;
function scratch(): string {
  scratchDir ??= mkdtempSync(join(tmpdir(), 'compose-spec-'));
  return scratchDir;
}
afterAll(() => {
  if (scratchDir) rmSync(scratchDir, { recursive: true, force: true });
});

const describeWithDockerClient = dockerClientPresent ? describe : describe.skip;

describeWithDockerClient('docker-compose.yml (validated by `docker compose config`)', () => {
  let project: ComposeProject;

  beforeAll(() => {
    // A cold build of the Compose plugin takes about a minute here; allow for slow machines.
    const out = execFileSync('bash', [ensureCompose], {
      cwd: repoRoot,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 15 * 60_000,
    });
    expect(out).not.toContain('docker-client-absent');
    const run = composeConfig(composeFile);
    if (run.status !== 0) {
      throw new Error(`docker compose config failed (${run.status}): ${run.stderr}`);
    }
    project = JSON.parse(run.stdout) as ComposeProject;
  }, 16 * 60_000);

  it('defines mongo, cassandra, the one-shot migrate job and the app', () => {
    expect(Object.keys(project.services).sort()).toEqual(['app', 'cassandra', 'migrate', 'mongo']);
    expect(project.services.mongo.image).toMatch(/^mongo:[78](\.|$)/);
    expect(project.services.cassandra.image).toBe('cassandra:5.0');
  });

  it('gives every database a real healthcheck', () => {
    const mongo = project.services.mongo.healthcheck;
    expect(mongo?.disable).toBeFalsy();
    expect(mongo?.test?.join(' ')).toContain("mongosh --quiet --eval db.adminCommand('ping').ok");

    const cassandra = project.services.cassandra.healthcheck;
    expect(cassandra?.disable).toBeFalsy();
    expect(cassandra?.test?.join(' ')).toContain(
      "cqlsh -e 'SELECT release_version FROM system.local'",
    );
    // Cassandra needs a minute or more before CQL answers.
    expect(cassandra?.start_period).toMatch(/m/);
  });

  it('keeps the Cassandra heap modest', () => {
    const env = project.services.cassandra.environment ?? {};
    expect(env.MAX_HEAP_SIZE).toMatch(/^\d+[MG]$/);
    expect(env.HEAP_NEWSIZE).toMatch(/^\d+[MG]$/);
  });

  it('runs the schema migration once, after both databases are healthy', () => {
    const migrate = project.services.migrate;
    expect(migrate.command).toEqual(['node', 'dist/src/cli.js', 'schema', 'migrate']);
    expect(migrate.image).toBe(project.services.app.image);
    expect(migrate.depends_on).toEqual({
      mongo: expect.objectContaining({ condition: 'service_healthy' }),
      cassandra: expect.objectContaining({ condition: 'service_healthy' }),
    });
  });

  it('starts the app after healthy databases and a successful migration', () => {
    const app = project.services.app;
    expect(app.depends_on).toEqual({
      mongo: expect.objectContaining({ condition: 'service_healthy' }),
      cassandra: expect.objectContaining({ condition: 'service_healthy' }),
      migrate: expect.objectContaining({ condition: 'service_completed_successfully' }),
    });
    expect(app.build?.target).toBe('runtime');
    expect(app.ports).toEqual([expect.objectContaining({ target: 3000, published: '3000' })]);
    expect(app.healthcheck?.test?.join(' ')).toContain('healthcheck.js');
  });

  it('stores database data in named volumes', () => {
    const volumeNames = Object.keys(project.volumes ?? {});
    for (const service of ['mongo', 'cassandra']) {
      const named = (project.services[service].volumes ?? []).filter((v) => v.type === 'volume');
      expect(named.length).toBeGreaterThan(0);
      for (const volume of named) expect(volumeNames).toContain(volume.source);
    }
    const cassandraTargets = project.services.cassandra.volumes?.map((v) => v.target);
    expect(cassandraTargets).toContain('/var/lib/cassandra');
    expect(project.services.mongo.volumes?.map((v) => v.target)).toContain('/data/db');
  });

  it('gives the app and the migrate job every variable the app reads', () => {
    expect([...APP_ENV_VARS].sort()).toEqual(
      variablesReadByConfig()
        .filter((name) => name !== 'MIGRATIONS_DIR') // the image's own folder, never overridden
        .sort(),
    );
    for (const service of ['app', 'migrate']) {
      const env = project.services[service].environment ?? {};
      for (const name of APP_ENV_VARS) {
        expect([service, name, typeof env[name]]).toEqual([service, name, 'string']);
        if (!MAY_BE_EMPTY.includes(name)) {
          expect([service, name, env[name]]).not.toEqual([service, name, '']);
        }
      }
    }
    expect(project.services.app.environment).toMatchObject({
      NODE_ENV: 'production',
      PORT: '3000',
      MONGO_URL: 'mongodb://mongo:27017/blog',
      CASSANDRA_CONTACT_POINTS: 'cassandra:9042',
      CASSANDRA_LOCAL_DC: 'datacenter1',
      CASSANDRA_KEYSPACE: 'blog',
      CASSANDRA_REPLICATION: '1',
      MIGRATION_PHASE: 'dual-write',
    });
  });

  it('lets the user override settings such as MIGRATION_PHASE', () => {
    const run = composeConfig(composeFile, {
      SESSION_SECRET: TEST_SESSION_SECRET,
      MIGRATION_PHASE: 'cassandra-primary',
      CASSANDRA_REPLICATION: 'datacenter1:1',
    });
    expect(run.status).toBe(0);
    const overridden = JSON.parse(run.stdout) as ComposeProject;
    for (const service of ['app', 'migrate']) {
      expect(overridden.services[service].environment).toMatchObject({
        MIGRATION_PHASE: 'cassandra-primary',
        CASSANDRA_REPLICATION: 'datacenter1:1',
      });
    }
  });

  it('refuses to run without SESSION_SECRET, naming it', () => {
    const run = composeConfig(composeFile, {});
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/SESSION_SECRET/);
  });

  it('rejects a copy with an invalid depends_on condition', () => {
    const original = readFileSync(composeFile, 'utf8');
    const broken = original.replace(
      'condition: service_completed_successfully',
      'condition: service_finished_somehow',
    );
    expect(broken).not.toEqual(original);
    const file = join(scratch(), 'broken-condition.yml');
    writeFileSync(file, broken);
    const run = composeConfig(file);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/condition/);
  });

  it('rejects a copy whose app depends on a service that does not exist', () => {
    const original = readFileSync(composeFile, 'utf8');
    const broken = original.replace(
      /(\n {6})migrate:(\n {8}condition: service_completed_successfully)/,
      '$1migrations:$2',
    );
    expect(broken).not.toEqual(original);
    const file = join(scratch(), 'broken-dependency.yml');
    writeFileSync(file, broken);
    const run = composeConfig(file);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/undefined service "migrations"/);
  });
});

// ---- Dockerfile: static checks (no engine needed) ------------------------------------------------

interface Instruction {
  keyword: string;
  args: string;
  stage: string;
}

/** Splits a Dockerfile into instructions (continuation lines joined, comments dropped). */
function parseDockerfile(text: string): Instruction[] {
  const logical: string[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#') || (line === '' && pending === '')) continue;
    if (line.endsWith('\\')) {
      pending += line.slice(0, -1) + ' ';
      continue;
    }
    logical.push((pending + line).trim());
    pending = '';
  }
  const instructions: Instruction[] = [];
  let stage = '';
  let index = 0;
  for (const line of logical.filter((l) => l !== '')) {
    const [keyword, ...rest] = line.split(/\s+/);
    const args = rest.join(' ');
    if (keyword.toUpperCase() === 'FROM') {
      stage = /\sAS\s+(\S+)$/i.exec(line)?.[1] ?? String(index);
      index++;
    }
    instructions.push({ keyword: keyword.toUpperCase(), args, stage });
  }
  return instructions;
}

/** The plain (non-flag) arguments of a COPY in shell form: sources..., destination. */
function copyOperands(args: string): { flags: string[]; sources: string[]; dest: string } {
  const words = args.split(/\s+/);
  const flags = words.filter((w) => w.startsWith('--'));
  const operands = words.filter((w) => !w.startsWith('--'));
  return { flags, sources: operands.slice(0, -1), dest: operands[operands.length - 1] };
}

function dockerignorePatterns(): string[] {
  return readFileSync(join(repoRoot, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

/** True when a context path would be left out by .dockerignore (plain names and prefixes only). */
function ignored(path: string, patterns: string[]): boolean {
  const clean = path.replace(/^\.\//, '').replace(/\/$/, '');
  return patterns.some((p) => {
    if (p.startsWith('!')) return false;
    const pattern = p
      .replace(/^\.?\//, '')
      .replace(/\/$/, '')
      .replace(/^\*\*\//, '');
    if (/[*?[]/.test(pattern)) return false;
    return clean === pattern || clean.startsWith(pattern + '/');
  });
}

describe('Dockerfile (static checks)', () => {
  const instructions = parseDockerfile(readFileSync(join(repoRoot, 'Dockerfile'), 'utf8'));
  const froms = instructions.filter((i) => i.keyword === 'FROM');
  const stageNames = froms.map((f) => f.stage);
  const finalStage = stageNames[stageNames.length - 1];
  const inFinal = instructions.filter((i) => i.stage === finalStage);

  it('is multi-stage with named stages on a node 20 slim base', () => {
    expect(froms.length).toBeGreaterThanOrEqual(2);
    for (const from of froms) expect(from.args).toMatch(/\sAS\s+[a-z][a-z0-9-]*$/i);
    expect(new Set(stageNames).size).toBe(stageNames.length);
    const argDefault = instructions.find((i) => i.keyword === 'ARG' && /^NODE_IMAGE=/.test(i.args));
    expect(argDefault?.args).toMatch(/^NODE_IMAGE=node:20-(bookworm-)?slim$/);
    for (const from of froms) expect(from.args).toMatch(/^\$\{NODE_IMAGE\}\s/);
  });

  it('builds with all dependencies and ships production dependencies only', () => {
    const runs = (stage: string) =>
      instructions.filter((i) => i.stage === stage && i.keyword === 'RUN').map((i) => i.args);
    expect(runs('build').join('\n')).toMatch(/npm ci\b(?!.*--omit=dev)/);
    expect(runs('build').join('\n')).toContain('npm run build');
    const copiedNodeModules = inFinal.find(
      (i) => i.keyword === 'COPY' && /\/node_modules\b/.test(i.args),
    );
    const nodeModulesStage = /--from=(\S+)/.exec(copiedNodeModules?.args ?? '')?.[1] ?? '';
    expect(runs(nodeModulesStage).join('\n')).toContain('npm ci --omit=dev');
  });

  it('uses only earlier named stages in COPY --from, and every build stage is used', () => {
    const used = new Set<string>();
    for (const [position, instruction] of instructions.entries()) {
      const from = /--from=(\S+)/.exec(instruction.args)?.[1];
      if (instruction.keyword !== 'COPY' || !from) continue;
      const earlier = instructions.slice(0, position).filter((i) => i.keyword === 'FROM');
      expect(earlier.map((i) => i.stage)).toContain(from);
      expect(from).not.toBe(instruction.stage);
      used.add(from);
    }
    expect(used).toEqual(new Set(stageNames.slice(0, -1)));
  });

  it('copies only sources that exist in the repo and are not excluded by .dockerignore', () => {
    const patterns = dockerignorePatterns();
    const contextCopies = instructions.filter(
      (i) => i.keyword === 'COPY' && !/--from=/.test(i.args),
    );
    expect(contextCopies.length).toBeGreaterThan(0);
    const missing: string[] = [];
    for (const copy of contextCopies) {
      for (const source of copyOperands(copy.args).sources) {
        if (source === '.') continue;
        if (!existsSync(join(repoRoot, source)) || ignored(source, patterns)) missing.push(source);
      }
    }
    expect(missing).toEqual([]);
    // What the runtime image needs besides dist/ and node_modules.
    const finalSources = inFinal
      .filter((i) => i.keyword === 'COPY' && !/--from=/.test(i.args))
      .flatMap((i) => copyOperands(i.args).sources.map((s) => s.replace(/\/$/, '')));
    expect(finalSources).toEqual(
      expect.arrayContaining(['package.json', 'views', 'public', 'migrations']),
    );
    expect(
      inFinal.some((i) => i.keyword === 'COPY' && /--from=\S+ \/app\/dist /.test(i.args)),
    ).toBe(true);
  });

  it('keeps local state and build output out of the build context', () => {
    const patterns = dockerignorePatterns();
    for (const path of ['node_modules', 'dist', '.git', '.stack', '.stack-test', 'test-results']) {
      expect([path, ignored(path, patterns)]).toEqual([path, true]);
    }
    for (const path of [
      'src',
      'package.json',
      'package-lock.json',
      'views',
      'public',
      'migrations',
    ]) {
      expect([path, ignored(path, patterns)]).toEqual([path, false]);
    }
  });

  it('runs the server as a non-root user in production mode with a /health check', () => {
    const user = inFinal.filter((i) => i.keyword === 'USER').pop();
    expect(user?.args).toBeDefined();
    expect(user?.args).not.toMatch(/^(root|0)(:|$)/);
    expect(
      inFinal
        .filter((i) => i.keyword === 'ENV')
        .map((i) => i.args)
        .join(' '),
    ).toMatch(/NODE_ENV=production/);
    expect(inFinal.find((i) => i.keyword === 'EXPOSE')?.args).toBe('3000');
    expect(inFinal.find((i) => i.keyword === 'HEALTHCHECK')?.args).toContain(
      '["node", "scripts/docker/healthcheck.js"]',
    );
    expect(inFinal.find((i) => i.keyword === 'CMD')?.args).toBe('["node", "dist/src/main.js"]');
  });
});

describe('scripts/docker/healthcheck.js', () => {
  const probe = join(repoRoot, 'scripts', 'docker', 'healthcheck.js');
  let server: Server;
  let port: number;
  let status = 200;

  beforeAll(async () => {
    server = createServer((req, res) => {
      res.statusCode = req.url === '/health' ? status : 404;
      res.end();
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise<void>((done) => server.close(() => done()));
  });

  // Asynchronous on purpose: the probe talks to a server running in this same process.
  function runProbe(portToUse: number): Promise<number | null> {
    return new Promise((done, fail) => {
      const child = spawn(process.execPath, [probe], {
        env: { ...process.env, PORT: String(portToUse), HEALTHCHECK_PROBE_TIMEOUT_MS: '3000' },
        stdio: 'ignore',
      });
      child.on('error', fail);
      child.on('exit', (code) => done(code));
    });
  }

  it('exits 0 when GET /health answers 200', async () => {
    status = 200;
    await expect(runProbe(port)).resolves.toBe(0);
  });

  it('exits 1 when GET /health answers 503', async () => {
    status = 503;
    await expect(runProbe(port)).resolves.toBe(1);
  });

  it('exits 1 when nothing listens', async () => {
    const closed = createServer();
    await new Promise<void>((done) => closed.listen(0, '127.0.0.1', done));
    const freePort = (closed.address() as AddressInfo).port;
    await new Promise<void>((done) => closed.close(() => done()));
    await expect(runProbe(freePort)).resolves.toBe(1);
  });
});
