import { PostgresService } from './postgres-service';
import { Stack } from './stack';
import { loadStackSettings, StackSettingsError } from './stack-settings';

describe('STACK_MONGO and STACK_POSTGRES_PORT', () => {
  it("default to the folder's or the machine's choice (below) and PostgreSQL port 5433", () => {
    const settings = loadStackSettings({});
    expect(settings.postgresPort).toBe(5433);
    expect(['ferretdb-postgres', 'ferretdb-sqlite']).toContain(settings.mongoBackend);
  });

  it('read the backend and the port', () => {
    expect(
      loadStackSettings({ STACK_MONGO: 'ferretdb-postgres', STACK_POSTGRES_PORT: '5472' }),
    ).toMatchObject({ mongoBackend: 'ferretdb-postgres', postgresPort: 5472 });
  });

  it.each([
    [{ STACK_MONGO: 'mongodb' }, /STACK_MONGO must be one of ferretdb-sqlite, ferretdb-postgres/],
    [{ STACK_POSTGRES_PORT: '0' }, /STACK_POSTGRES_PORT must be a TCP port/],
    [
      { STACK_MONGO: 'ferretdb-postgres', STACK_POSTGRES_PORT: '27017' },
      /STACK_POSTGRES_PORT must differ/,
    ],
  ])('reject %j in one line', (env, message) => {
    expect(() => loadStackSettings(env)).toThrow(StackSettingsError);
    expect(() => loadStackSettings(env)).toThrow(message);
  });

  it('ignore the PostgreSQL port when FerretDB runs on SQLite', () => {
    expect(() =>
      loadStackSettings({ STACK_MONGO: 'ferretdb-sqlite', STACK_POSTGRES_PORT: '27017' }),
    ).not.toThrow();
  });
});

describe('the stack with FerretDB on PostgreSQL', () => {
  const stack = (mongo: string) =>
    new Stack(loadStackSettings({ STACK_DIR: '/tmp/stack-x', STACK_MONGO: mongo }));

  it('starts PostgreSQL before FerretDB, and only then', () => {
    expect(stack('ferretdb-postgres').withDependencies(['cassandra', 'ferretdb'])).toEqual([
      'cassandra',
      'postgres',
      'ferretdb',
    ]);
    expect(stack('ferretdb-sqlite').withDependencies(['cassandra', 'ferretdb'])).toEqual([
      'cassandra',
      'ferretdb',
    ]);
  });

  it('points FerretDB at the stack PostgreSQL', () => {
    const { args } = stack('ferretdb-postgres').services.ferretdb.command();
    expect(args).toContain('--handler=postgresql');
    expect(args).toContain('--postgresql-url=postgres://postgres@127.0.0.1:5433/postgres');
    expect(stack('ferretdb-sqlite').services.ferretdb.command().args).toContain('--handler=sqlite');
  });

  it('keeps PostgreSQL data in the stack folder and stops it the fast way', () => {
    const postgres = stack('ferretdb-postgres').services.postgres as PostgresService;
    expect(postgres.dataDir).toBe('/tmp/stack-x/postgres/data');
    expect(postgres.stopSignal).toBe('SIGINT');
  });
});
