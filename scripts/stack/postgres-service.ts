import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  canInstallPostgres,
  DEBIAN_POSTGRES_ROOT,
  debianPostgresBin,
  isRoot,
} from './mongo-backend';
import { GIN_TWINS_SQL } from './postgres-gin';
import { StackSettings } from './stack-settings';
import { StackService } from './stack-service';
import { StackError } from './toolchain';

/** Debian's metapackage: it depends on the release's PostgreSQL (15 on bookworm). */
const DEBIAN_PACKAGE = 'postgresql';
/** The server refuses to run as root; as root the stack runs it as this system user. */
const SERVER_USER = 'postgres';
/** Two sessions may run apt at once: dpkg's lock is retried this often, a few seconds apart. */
const APT_TRIES = 30;
const APT_RETRY_MS = 10_000;

/** The database FerretDB keeps its schemas in (initdb makes it). */
export const POSTGRES_DATABASE = 'postgres';

/** The URL FerretDB's postgresql handler connects with. */
export function postgresUrl(settings: StackSettings): string {
  return `postgres://${SERVER_USER}@${settings.host}:${settings.postgresPort}/${POSTGRES_DATABASE}`;
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Runs an apt-get command, waiting while another process holds dpkg's or apt's lock. */
function apt(args: string[]): void {
  for (let attempt = 1; ; attempt++) {
    const result = spawnSync('apt-get', args, {
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      encoding: 'utf8',
    });
    if (result.status === 0) return;
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}${result.error?.message ?? ''}`;
    if (/Could not get lock|Unable to acquire|is another process using it/i.test(output)) {
      if (attempt < APT_TRIES) {
        sleepSync(APT_RETRY_MS);
        continue;
      }
    }
    const last = output.trim().split('\n').slice(-3).join(' | ');
    throw new StackError(`apt-get ${args.join(' ')} failed (status ${result.status}): ${last}`);
  }
}

/**
 * PostgreSQL from Debian's packages, under FerretDB when STACK_MONGO=ferretdb-postgres: its own
 * cluster in <STACK_DIR>/postgres (not the package's /var/lib one), on 127.0.0.1 only, with
 * trust authentication (a development server; nothing but this machine reaches it).
 */
export class PostgresService implements StackService {
  readonly name = 'postgres';
  readonly home: string;
  readonly dataDir: string;

  constructor(private readonly settings: StackSettings) {
    this.home = path.join(settings.dir, 'postgres');
    this.dataDir = path.join(this.home, 'data');
  }

  get port(): number {
    return this.settings.postgresPort;
  }
  get ports(): number[] {
    return [this.settings.postgresPort];
  }
  get logFile(): string {
    return path.join(this.home, 'postgres.log');
  }
  get stdoutFile(): string {
    return this.logFile;
  }
  get pidFile(): string {
    return path.join(this.home, 'postgres.pid');
  }
  get marker(): string {
    return `-D ${this.dataDir}`;
  }
  /** SIGINT is PostgreSQL's fast shutdown; SIGTERM would wait for FerretDB's connections to end. */
  readonly stopSignal = 'SIGINT' as const;

  private get bin(): string {
    const bin = debianPostgresBin();
    if (!bin) throw new StackError('PostgreSQL is not installed (no /usr/lib/postgresql/*/bin)');
    return bin;
  }

  checkTools(): void {
    if (this.isInstalled()) return;
    if (!canInstallPostgres()) {
      throw new StackError(
        `STACK_MONGO=ferretdb-postgres needs PostgreSQL: run \`sudo apt-get update && sudo apt-get install -y ${DEBIAN_PACKAGE}\` (Debian/Ubuntu), or use STACK_MONGO=ferretdb-sqlite`,
      );
    }
  }

  isInstalled(): boolean {
    return debianPostgresBin() !== undefined;
  }

  /** Debian's package, installed with apt-get when missing (root only; checkTools said so). */
  async install(): Promise<void> {
    if (this.isInstalled()) return;
    apt(['update', '-q']);
    apt(['install', '-y', '-q', '--no-install-recommends', DEBIAN_PACKAGE]);
    if (!this.isInstalled()) {
      throw new StackError(
        `apt-get installed ${DEBIAN_PACKAGE} but ${DEBIAN_POSTGRES_ROOT} has no server`,
      );
    }
  }

  /** The uid and gid the server runs as: ours, or the `postgres` system user when we are root. */
  runAs(): { uid: number; gid: number } | undefined {
    if (!isRoot()) return undefined;
    const id = (flag: string) => spawnSync('id', [flag, SERVER_USER], { encoding: 'utf8' });
    const uid = id('-u');
    const gid = id('-g');
    if (uid.status !== 0 || gid.status !== 0) {
      // Debian's package makes the user; a machine that has the binaries otherwise may not
      const made = spawnSync('useradd', [
        '--system',
        '--user-group',
        '--no-create-home',
        SERVER_USER,
      ]);
      if (made.status !== 0) {
        throw new StackError(`no \`${SERVER_USER}\` user to run PostgreSQL as, and useradd failed`);
      }
      return this.runAs();
    }
    return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  }

  /** A new cluster on first start (initdb), owned by the user the server runs as. */
  prepare(): void {
    fs.mkdirSync(this.home, { recursive: true });
    const user = this.runAs();
    if (user) {
      fs.chownSync(this.home, user.uid, user.gid);
      this.checkReachable(user);
    }
    if (fs.existsSync(path.join(this.dataDir, 'PG_VERSION'))) return;
    fs.rmSync(this.dataDir, { recursive: true, force: true });
    const result = spawnSync(
      path.join(this.bin, 'initdb'),
      [
        '-D',
        this.dataDir,
        `--username=${SERVER_USER}`,
        '--auth=trust',
        '--encoding=UTF8',
        '--no-locale',
      ],
      { encoding: 'utf8', cwd: this.home, ...user },
    );
    if (result.status !== 0) {
      const output = `${result.stdout ?? ''}${result.stderr ?? ''}${result.error?.message ?? ''}`;
      throw new StackError(
        `initdb of ${this.dataDir} failed (exit ${result.status}):\n${output.trim().split('\n').slice(-10).join('\n')}`,
      );
    }
  }

  /** The server's user must be able to walk down to its folder (a 0700 home folder stops it). */
  private checkReachable(user: { uid: number; gid: number }): void {
    const can = (dir: string) => spawnSync('test', ['-x', dir], user).status === 0;
    if (can(this.home)) return;
    const blocked = this.home
      .split(path.sep)
      .map((_, i, parts) => parts.slice(0, i + 1).join(path.sep) || path.sep)
      .find((dir) => !can(dir));
    throw new StackError(
      `PostgreSQL runs as user ${SERVER_USER}, which cannot enter ${blocked ?? this.home}: allow it (chmod o+x) or set STACK_DIR to a folder it can reach`,
    );
  }

  command(): { bin: string; args: string[]; cwd: string } {
    const settings = [
      `listen_addresses=${this.settings.host}`,
      `port=${this.port}`,
      // its own socket folder: Debian's /var/run/postgresql may be missing or another user's
      `unix_socket_directories=${this.home}`,
      'max_connections=200',
      'shared_buffers=256MB',
      'logging_collector=off',
      // a query whose client (FerretDB) went away stops within a second instead of running on
      'client_connection_check_interval=1s',
      // FerretDB binds the field name as a parameter (`_jsonb->$1 @> $2`): only a plan made for
      // the actual values matches the GIN twins' expressions (postgres-gin.ts)
      'plan_cache_mode=force_custom_plan',
    ];
    return {
      bin: path.join(this.bin, 'postgres'),
      args: ['-D', this.dataDir, ...settings.flatMap((setting) => ['-c', setting])],
      cwd: this.home,
    };
  }

  /** Ready means accepting connections (pg_isready), not only listening. */
  async isReady(): Promise<boolean> {
    const bin = debianPostgresBin();
    if (!bin) return false;
    const probe = spawnSync(
      path.join(bin, 'pg_isready'),
      // as the server's user: a probe as root logs "role root does not exist" every time
      [
        ...['-h', this.settings.host, '-p', String(this.port)],
        ...['-U', SERVER_USER, '-d', POSTGRES_DATABASE, '-t', '2'],
      ],
      { stdio: 'ignore' },
    );
    return probe.status === 0;
  }

  /** GIN twins of FerretDB's indexes, so its `@>` filters are index-backed (postgres-gin.ts). */
  async afterReady(): Promise<void> {
    this.psql(GIN_TWINS_SQL);
  }

  /** Runs SQL through psql (as the server's superuser); returns its output. */
  psql(sql: string): string {
    const result = spawnSync(
      path.join(this.bin, 'psql'),
      [
        '-X',
        '-q',
        '-v',
        'ON_ERROR_STOP=1',
        '-h',
        this.settings.host,
        '-p',
        String(this.port),
        '-U',
        SERVER_USER,
        '-d',
        POSTGRES_DATABASE,
        '-At',
        '-f',
        '-',
      ],
      { input: sql, encoding: 'utf8' },
    );
    if (result.status !== 0) {
      throw new StackError(`psql failed (exit ${result.status}): ${(result.stderr ?? '').trim()}`);
    }
    return result.stdout;
  }
}
