// `npm start`: a newcomer's one command. Validates the configuration, starts the local database
// stack for each store the phase needs when no database URL is configured and nothing listens on
// the stack's port, then runs the built app (which applies pending schema migrations in
// development) in the foreground.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { redactUrls } from '../src/common/redact';
import { ConfigError, loadConfig } from '../src/config/app-config';
import { storesUsedBy } from '../src/config/migration-phase';
import { ServiceName, Stack } from './stack/stack';
import { describeMongoBackend } from './stack/mongo-backend';
import { isListening, runningPid } from './stack/process-control';
import { loadStackSettings, StackSettingsError } from './stack/stack-settings';
import { StackError } from './stack/toolchain';

const log = (line: string) => console.log(`start: ${line}`);

/** Which stack services to start, and the database URLs the app should then use. */
async function planStack(stack: Stack, phaseStores: { mongo: boolean; cassandra: boolean }) {
  const host = stack.settings.host;
  const toStart: ServiceName[] = [];
  const env: Record<string, string> = {};
  const wanted: Array<[ServiceName, boolean, string, string]> = [
    [
      'ferretdb',
      phaseStores.mongo,
      'MONGO_URL',
      `mongodb://${host}:${stack.settings.mongoPort}/blog`,
    ],
    [
      'cassandra',
      phaseStores.cassandra,
      'CASSANDRA_CONTACT_POINTS',
      `${host}:${stack.settings.cassandraPort}`,
    ],
  ];
  for (const [name, used, variable, localUrl] of wanted) {
    if (!used) continue;
    if (process.env[variable]) {
      log(`${variable} is set: using ${redactUrls(process.env[variable])}, not the local stack`);
      continue;
    }
    if (process.env[`${variable}_FILE`]) {
      log(`${variable}_FILE is set: using the URL in that file, not the local stack`);
      continue;
    }
    env[variable] = localUrl;
    const service = stack.services[name];
    const ours = runningPid({ pidFile: service.pidFile, marker: service.marker }) !== undefined;
    if (!ours && (await isListening(host, service.port))) {
      log(`a server already listens on ${host}:${service.port}: using it for ${variable}`);
      continue;
    }
    toStart.push(name);
  }
  return { toStart, env };
}

/**
 * SESSION_SECRET for development: made once and kept (mode 0600) in the stack's folder, so
 * forms survive restarts. Never printed. Production must set its own (the config says so).
 */
function developmentSessionSecret(stackDir: string): string {
  const file = path.join(stackDir, 'session-secret');
  if (!fs.existsSync(file)) {
    fs.mkdirSync(stackDir, { recursive: true });
    fs.writeFileSync(file, randomBytes(32).toString('base64url'), { mode: 0o600, flag: 'wx' });
    log(`made a SESSION_SECRET for development in ${file}`);
  }
  return fs.readFileSync(file, 'utf8').trim();
}

async function main(): Promise<number> {
  const config = loadConfig(process.env);
  const stack = new Stack(loadStackSettings(process.env));
  const secretEnv: Record<string, string> =
    config.sessionSecret || config.nodeEnv === 'production'
      ? {}
      : { SESSION_SECRET: developmentSessionSecret(stack.settings.dir) };
  const { toStart, env } = await planStack(stack, storesUsedBy(config.migrationPhase));
  if (toStart.length) {
    const stopped = toStart.filter((name) => {
      const service = stack.services[name];
      return runningPid({ pidFile: service.pidFile, marker: service.marker }) === undefined;
    });
    if (stopped.length) {
      log(
        `starting the local stack (${stopped.join(', ')}); the first run downloads and builds it`,
      );
    }
    for (const r of await stack.up(toStart)) {
      const boot =
        r.action === 'started' ? `ready in ${(r.bootMs / 1000).toFixed(1)}s` : 'already running';
      log(
        `${r.name} ${boot} on ${stack.settings.host}:${r.port} (stop with: npm run stack -- down)`,
      );
    }
    if (toStart.includes('ferretdb')) {
      log(`MongoDB stand-in: ${describeMongoBackend(stack.settings)}`);
    }
  }
  // a local Cassandra started with STACK_CASSANDRA_AUTH / STACK_CASSANDRA_TLS: its login and CA
  if (toStart.includes('cassandra')) Object.assign(env, stack.services.cassandra.clientEnv());
  const app = spawn(process.execPath, [path.join(__dirname, '..', 'src', 'main.js')], {
    stdio: 'inherit',
    env: { ...process.env, ...env, ...secretEnv },
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => app.kill(signal));
  }
  return new Promise((resolve) =>
    app.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0))),
  );
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    const oneLine = err instanceof ConfigError || err instanceof StackSettingsError;
    if (oneLine || err instanceof StackError) {
      console.error((err as Error).message);
    } else {
      console.error(err);
    }
    process.exit(1);
  },
);
