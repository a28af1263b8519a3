import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { defaultMongoBackend, PostgresProbe } from './mongo-backend';
import { loadStackSettings } from './stack-settings';

const probe = (installed: boolean, installable: boolean): PostgresProbe => ({
  installed: () => installed,
  installable: () => installable,
});

describe('the MongoDB stand-in when STACK_MONGO is not set', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stack-backend-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const holds = (...parts: string[]) => {
    fs.mkdirSync(path.join(dir, ...parts), { recursive: true });
    fs.writeFileSync(path.join(dir, ...parts, 'file'), '');
  };

  it('a new stack gets PostgreSQL where it is installed or the stack may install it', () => {
    expect(defaultMongoBackend(dir, probe(true, false))).toEqual({ backend: 'ferretdb-postgres' });
    expect(defaultMongoBackend(dir, probe(false, true))).toEqual({ backend: 'ferretdb-postgres' });
  });

  it('else SQLite, saying why and how to get PostgreSQL', () => {
    const choice = defaultMongoBackend(dir, probe(false, false));
    expect(choice.backend).toBe('ferretdb-sqlite');
    expect(choice.note).toMatch(/PostgreSQL is not installed.*apt-get install postgresql/);
  });

  it('a stack that holds data keeps its backend, whatever the machine has', () => {
    holds('ferretdb', 'sqlite');
    const sqlite = defaultMongoBackend(dir, probe(true, true));
    expect(sqlite.backend).toBe('ferretdb-sqlite');
    expect(sqlite.note).toMatch(/data was made with it/);
    // empty folders are no data: FerretDB on PostgreSQL makes the sqlite folder too
    fs.rmSync(path.join(dir, 'ferretdb', 'sqlite', 'file'));
    expect(defaultMongoBackend(dir, probe(true, true)).backend).toBe('ferretdb-postgres');
    holds('postgres', 'data');
    expect(defaultMongoBackend(dir, probe(false, false))).toEqual({
      backend: 'ferretdb-postgres',
    });
    holds('ferretdb', 'sqlite');
    expect(defaultMongoBackend(dir, probe(false, false)).note).toMatch(
      /also holds SQLite data, which STACK_MONGO=ferretdb-sqlite serves/,
    );
  });

  it('STACK_MONGO wins over the folder', () => {
    holds('postgres', 'data');
    const settings = loadStackSettings({ STACK_DIR: dir, STACK_MONGO: 'ferretdb-sqlite' });
    expect(settings.mongoBackend).toBe('ferretdb-sqlite');
    expect(settings.mongoBackendNote).toBeUndefined();
    expect(loadStackSettings({ STACK_DIR: dir }).mongoBackend).toBe('ferretdb-postgres');
  });
});
