import { SERVICE_NAMES, ServiceName, Stack } from './stack';
import { loadStackSettings, StackSettingsError } from './stack-settings';
import { StackError } from './toolchain';

const USAGE =
  'usage: npm run stack -- <up|down|status|logs> [cassandra|ferretdb|mongo|postgres ...] [-n LINES]';

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
  command: 'up' | 'down' | 'status' | 'logs';
  services: ServiceName[];
  lines: number;
}

export function parseStackArgs(argv: string[]): StackArgs {
  const [command, ...rest] = argv;
  if (command !== 'up' && command !== 'down' && command !== 'status' && command !== 'logs') {
    throw new UsageError(command ? `unknown command "${command}"; ${USAGE}` : USAGE);
  }
  const services: ServiceName[] = [];
  let lines = 40;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    if (arg === '-n' || arg === '--lines') {
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
  return { command, services: services.length ? services : SERVICE_NAMES, lines };
}

/** A secured Cassandra's settings for the app: file paths only, the password stays in its file. */
function printClientEnv(stack: Stack, print: (line: string) => void): void {
  const env = Object.entries(stack.services.cassandra.clientEnv());
  if (env.length === 0) return;
  print(
    `${''.padEnd(10)} app settings: ${env.map(([name, value]) => `${name}=${value}`).join(' ')}`,
  );
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;
const mib = (bytes?: number) => (bytes === undefined ? '?' : `${Math.round(bytes / 2 ** 20)} MiB`);

export async function runStackCli(argv: string[], print = console.log): Promise<void> {
  const args = parseStackArgs(argv);
  const stack = new Stack(loadStackSettings());
  const host = stack.settings.host;
  switch (args.command) {
    case 'up':
      for (const r of await stack.up(args.services)) {
        const what =
          r.action === 'started'
            ? `started, ready in ${seconds(r.bootMs)}${r.installMs > 1000 ? ` (install ${seconds(r.installMs)})` : ''}`
            : 'already running';
        print(`${r.name.padEnd(10)} ${what}  ${host}:${r.port}  pid ${r.pid}`);
        if (r.name === 'cassandra') printClientEnv(stack, print);
      }
      break;
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
          `${r.name.padEnd(10)} ${r.state.padEnd(8)} ${host}:${r.port}${detail}  data ${r.home}`,
        );
        if (r.name === 'cassandra' && r.pid !== undefined) printClientEnv(stack, print);
      }
      break;
    case 'logs':
      for (const name of stack.withDependencies(args.services)) {
        const service = stack.services[name];
        print(`==> ${name}: ${service.logFile} <==`);
        print(stack.logTail(service, args.lines));
      }
      break;
  }
}

/** Entry point of `npm run stack`: one readable line and exit 1 on any failure. */
export function main(): void {
  runStackCli(process.argv.slice(2)).catch((err: unknown) => {
    const known =
      err instanceof StackError || err instanceof StackSettingsError || err instanceof UsageError;
    const message = err instanceof Error ? err.message : String(err);
    console.error(`stack: ${message}`);
    if (!known && process.env.DEBUG && err instanceof Error) console.error(err.stack);
    process.exit(1);
  });
}
