import * as fs from 'node:fs';
import * as path from 'node:path';

/** The versions of a store's migration files, in order: tests follow the folder, not a fixed list. */
export function migrationVersions(store: 'mongo' | 'cassandra'): string[] {
  return fs
    .readdirSync(path.join(__dirname, '..', '..', '..', 'migrations', store))
    .map((file) => /^(\d{14})-/.exec(file)?.[1])
    .filter((v): v is string => v !== undefined)
    .sort();
}
