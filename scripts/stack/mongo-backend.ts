import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { MongoBackend } from './stack-settings';

/** Where Debian's postgresql-<major> packages put their server binaries. */
export const DEBIAN_POSTGRES_ROOT = '/usr/lib/postgresql';

/** The newest Debian PostgreSQL bin folder on this machine, or undefined. */
export function debianPostgresBin(root = DEBIAN_POSTGRES_ROOT): string | undefined {
  let majors: number[];
  try {
    majors = fs
      .readdirSync(root)
      .map(Number)
      .filter((major) => Number.isInteger(major) && major > 0);
  } catch {
    return undefined;
  }
  for (const major of majors.sort((a, b) => b - a)) {
    const bin = path.join(root, String(major), 'bin');
    if (fs.existsSync(path.join(bin, 'postgres'))) return bin;
  }
  return undefined;
}

export const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

/** The stack may install Debian's PostgreSQL itself: it runs as root and apt-get is there. */
export function canInstallPostgres(): boolean {
  return isRoot() && spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** What the default choice looks at (replaced in unit tests). */
export interface PostgresProbe {
  installed(): boolean;
  installable(): boolean;
}

const MACHINE: PostgresProbe = {
  installed: () => debianPostgresBin() !== undefined,
  installable: canInstallPostgres,
};

export interface BackendChoice {
  backend: MongoBackend;
  /** why, when it is not the recommended stand-in or the folder holds the other's data */
  note?: string;
}

const hasEntries = (dir: string) => {
  try {
    return fs.readdirSync(dir).length > 0;
  } catch {
    return false;
  }
};

/**
 * The MongoDB stand-in when STACK_MONGO is not set. A stack folder that already holds data keeps
 * its backend (PostgreSQL's cluster in <dir>/postgres/data, SQLite files in <dir>/ferretdb/sqlite):
 * switching would start an empty MongoDB beside the data. A new one gets FerretDB on PostgreSQL,
 * which serves the blog best (docs/ferretdb.md), when PostgreSQL is installed or the stack may
 * install it; else FerretDB on SQLite, with a note saying what it costs.
 */
export function defaultMongoBackend(dir: string, probe: PostgresProbe = MACHINE): BackendChoice {
  const sqlite = hasEntries(path.join(dir, 'ferretdb', 'sqlite'));
  if (hasEntries(path.join(dir, 'postgres', 'data'))) {
    return sqlite
      ? {
          backend: 'ferretdb-postgres',
          note: 'this stack also holds SQLite data, which STACK_MONGO=ferretdb-sqlite serves',
        }
      : { backend: 'ferretdb-postgres' };
  }
  if (sqlite) {
    return {
      backend: 'ferretdb-sqlite',
      note: "this stack's data was made with it; STACK_MONGO=ferretdb-postgres on a new STACK_DIR serves a large blog far faster (docs/ferretdb.md)",
    };
  }
  if (probe.installed() || probe.installable()) return { backend: 'ferretdb-postgres' };
  return {
    backend: 'ferretdb-sqlite',
    note: 'PostgreSQL is not installed and only root may install it here; `sudo apt-get install postgresql`, then a new STACK_DIR, serves a large blog far faster (docs/ferretdb.md)',
  };
}

/** The stand-in in one phrase: which, and why when there is something to say. */
export function describeMongoBackend(settings: {
  mongoBackend: MongoBackend;
  mongoBackendNote?: string;
}): string {
  const { mongoBackend, mongoBackendNote } = settings;
  return `${mongoBackend}${mongoBackendNote ? ` (${mongoBackendNote})` : ''}`;
}
