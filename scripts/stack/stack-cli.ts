import { SERVICE_NAMES, ServiceName, Stack } from './stack';
import { describeMongoBackend } from './mongo-backend';
import { loadStackSettings, MAX_CASSANDRA_NODES, StackSettingsError } from './stack-settings';
import { StackError } from './toolchain';

const USAGE =
  'usage: npm run stack -- <up|down|status|logs|kill> [cassandra|ferretdb|mongo|postgres ...] [--cassandra-nodes N] [--node N] [-n LINES]';

const COMMANDS = ['up', 'down', 'status', 'logs', 'kill'] as const;

const ALIASES: Record<string, ServiceName> = {
  cassandra: 'cassandra',
  ferretdb: 'ferretdb',
  mongo: 'ferretdb',
  mongodb: 'ferretdb',
  postgres: 'postgres',
  postgresql: 'postgres',
};

export class UsageError extends Error {}

export interface StackArgs {
  command: (typeof COMMANDS)[number];
  services: ServiceName[];
  lines: number;
  /** `up --cassandra-nodes N`: the cluster's size (remembered for later commands) */
  cassandraNodes?: number;
  /** `kill|logs cassandra --node N`: one Cassandra node only */
  node?: number;
}

function nodeNumber(arg: string, raw: string | undefined): number {
  const value = Number(raw);
  if (raw === undefined || !Number.isInteger(value) || value < 1 || value > MAX_CASSANDRA_NODES) {
    throw new UsageError(`${arg} needs a node number 1-${MAX_CASSANDRA_NODES}`);
  }
  return value;
}

export function parseStackArgs(argv: string[]): StackArgs {
  const [command, ...rest] = argv;
  if (!COMMANDS.includes(command as StackArgs['command'])) {
    throw new UsageError(command ? `unknown command "${command}"; ${USAGE}` : USAGE);
  }
  const services: ServiceName[] = [];
  let lines = 40;
  let cassandraNodes: number | undefined;
  let node: number | undefined;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    if (arg === '--cassandra-nodes') {
      if (command !== 'up') throw new UsageError(`${arg} goes with up only; ${USAGE}`);
      cassandraNodes = nodeNumber(arg, rest[++i]);
    } else if (arg === '--node') {
      if (command !== 'kill' && command !== 'logs') {
        throw new UsageError(`${arg} goes with kill or logs only; ${USAGE}`);
      }
      node = nodeNumber(arg, rest[++i]);
    } else if (arg === '-n' || arg === '--lines') {
      const value = Number(rest[++i]);
      if (!Number.isInteger(value) || value < 1) {
        throw new UsageError(`${arg} needs a positive number of lines`);
      }
      lines = value;
    } else if (ALIASES[arg]) {
      if (!services.includes(ALIASES[arg])) services.push(ALIASES[arg]);
    } else {
      throw new UsageError(`unknown service or option "${arg}"; ${USAGE}`);
    }
  }
  if (node !== undefined && (services.length !== 1 || services[0] !== 'cassandra')) {
    throw new UsageError(`--node picks a Cassandra node: name cassandra alone with it; ${USAGE}`);
  }
  if (command === 'kill' && services.length === 0) {
    throw new UsageError(`kill needs a server name (cassandra or ferretdb); ${USAGE}`);
  }
  return {
    command: command as StackArgs['command'],
    services: services.length ? services : SERVICE_NAMES,
    lines,
    ...(cassandraNodes === undefined ? {} : { cassandraNodes }),
    ...(node === undefined ? {} : { node }),
  };
}

/** A secured Cassandra's settings for the app: file paths only, the password stays in its file. */
function printClientEnv(stack: Stack, print: (line: string) => void): void {
  const env = Object.entries(stack.services.cassandra.clientEnv());
  if (env.length === 0) return;
  print(
    `${''.padEnd(10)} app settings: ${env.map(([name, value]) => `${name}=${value}`).join(' ')}`,
  );
}

/** Which stand-in FerretDB runs on, and why when it is not the recommended one. */
function printMongoBackend(stack: Stack, width: number, print: (line: string) => void): void {
  print(`${''.padEnd(width)} on ${describeMongoBackend(stack.settings)}`);
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;
const mib = (bytes?: number) => (bytes === undefined ? '?' : `${Math.round(bytes / 2 ** 20)} MiB`);

export async function runStackCli(argv: string[], print = console.log): Promise<void> {
  const args = parseStackArgs(argv);
  const stack = new Stack(loadStackSettings(process.env, { cassandraNodes: args.cassandraNodes }));
  // `cassandra-2` is one longer than the single-node stack's names
  const width = stack.cassandraNodes.length > 1 ? 11 : 10;
  switch (args.command) {
    case 'up':
      for (const r of await stack.up(args.services)) {
        const what =
          r.action === 'started'
            ? `started, ready in ${seconds(r.bootMs)}${r.installMs > 1000 ? ` (install ${seconds(r.installMs)})` : ''}`
            : 'already running';
        print(`${r.server.padEnd(width)} ${what}  ${r.host}:${r.port}  pid ${r.pid}`);
        if (r.server === 'cassandra') printClientEnv(stack, print);
        if (r.server === 'ferretdb') printMongoBackend(stack, width, print);
      }
      if (args.services.includes('cassandra') && stack.cassandraNodes.length > 1) {
        print(
          `${''.padEnd(width)} app settings: CASSANDRA_CONTACT_POINTS=${stack.contactPoints().join(',')}`,
        );
      }
      break;
    case 'kill': {
      const servers = stack.servers(args.services[0], args.node);
      const killed = await stack.kill(args.services[0], args.node);
      for (const { name } of servers) {
        print(`${name.padEnd(width)} ${killed.includes(name) ? 'killed' : 'was not running'}`);
      }
      break;
    }
    case 'down': {
      const stopped = await stack.down(args.services);
      for (const name of stack.withDependencies(args.services)) {
        print(`${name.padEnd(10)} ${stopped.includes(name) ? 'stopped' : 'was not running'}`);
      }
      break;
    }
    case 'status':
      for (const r of await stack.status(args.services)) {
        const detail = r.pid === undefined ? '' : `  pid ${r.pid}  rss ${mib(r.rssBytes)}`;
        print(
          `${r.server.padEnd(width)} ${r.state.padEnd(8)} ${r.host}:${r.port}${detail}  data ${r.home}`,
        );
        if (r.server === 'cassandra' && r.pid !== undefined) printClientEnv(stack, print);
      }
      break;
    case 'logs':
      for (const service of stack
        .withDependencies(args.services)
        .flatMap((name) => stack.servers(name, args.node))) {
        print(`==> ${service.name}: ${service.logFile} <==`);
        print(stack.logTail(service, args.lines));
      }
      break;
  }
}

/**
 * Entry point of `npm run stack`: one readable line and exit 1 on any failure. Done, it exits
 * at once: a readiness probe's driver client left behind (cassandra-driver can keep a socket of
 * a connect that gave up while a node booted) must not keep the command running (seen: `up`
 * never returned after restarting a killed node of a loaded cluster).
 */
export function main(): void {
  runStackCli(process.argv.slice(2)).then(
    () => process.exit(0),
    (err: unknown) => {
      const known =
        err instanceof StackError || err instanceof StackSettingsError || err instanceof UsageError;
      const message = err instanceof Error ? err.message : String(err);
      console.error(`stack: ${message}`);
      if (!known && process.env.DEBUG && err instanceof Error) console.error(err.stack);
      process.exit(1);
    },
  );
}
