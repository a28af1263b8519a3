import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { StoreName } from '../config/migration-phase';
import { projectRoot } from '../common/project-root';

/** One versioned schema migration file, e.g. migrations/cassandra/20261124120000-create-keyspace.cql */
export interface MigrationFile {
  store: StoreName;
  /** 14-digit timestamp; migrations apply in this order. */
  version: string;
  /** kebab-case name after the version. */
  name: string;
  fileName: string;
  path: string;
  content: string;
  /** sha256 of the file's bytes, recorded when applied to detect later edits. */
  checksum: string;
}

/** A migration file that can't be used as it is (bad name, duplicate version, bad content). */
export class MigrationFileError extends Error {
  override name = 'MigrationFileError';
}

export const MIGRATION_EXTENSION: Record<StoreName, string> = { mongo: 'json', cassandra: 'cql' };

const FILE_NAME = /^(\d{14})-([a-z0-9]+(?:-[a-z0-9]+)*)\.([a-z]+)$/;

export function checksumOf(content: string | Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

/** MIGRATIONS_DIR when set, else the project's migrations/ folder (from src/ or dist/src/). */
export function migrationsRoot(override?: string): string {
  return override ?? join(projectRoot(__dirname), 'migrations');
}

/**
 * Parses a file name into version and name; throws for anything that is not
 * `<14-digit timestamp>-<kebab-name>.<ext>` with the store's extension.
 */
export function parseMigrationFileName(
  fileName: string,
  store: StoreName,
): { version: string; name: string } {
  const match = FILE_NAME.exec(fileName);
  const extension = MIGRATION_EXTENSION[store];
  if (!match || match[3] !== extension) {
    throw new MigrationFileError(
      `migration file ${store}/${fileName} must be named <14-digit timestamp>-<kebab-name>.${extension}`,
    );
  }
  return { version: match[1], name: match[2] };
}

// Notes next to the migrations are allowed; every other file must be a migration.
function isIgnored(fileName: string): boolean {
  return fileName.startsWith('.') || fileName.toLowerCase().endsWith('.md');
}

/** Reads every migration of a store, sorted by version; rejects bad names and duplicate versions. */
export function discoverMigrations(root: string, store: StoreName): MigrationFile[] {
  const dir = join(root, store);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new MigrationFileError(`no ${store} migrations folder at ${dir}`);
  }
  const files = readdirSync(dir)
    .filter((fileName) => !isIgnored(fileName))
    .map((fileName): MigrationFile => {
      const path = join(dir, fileName);
      const bytes = readFileSync(path);
      return {
        store,
        ...parseMigrationFileName(fileName, store),
        fileName,
        path,
        content: bytes.toString('utf8'),
        checksum: checksumOf(bytes),
      };
    })
    .sort((a, b) => a.version.localeCompare(b.version));
  for (let i = 1; i < files.length; i++) {
    if (files[i].version === files[i - 1].version) {
      throw new MigrationFileError(
        `${store} migrations ${files[i - 1].fileName} and ${files[i].fileName} share version ${files[i].version}`,
      );
    }
  }
  return files;
}
