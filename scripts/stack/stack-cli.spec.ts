import * as os from 'node:os';
import * as path from 'node:path';
import { parseStackArgs, UsageError } from './stack-cli';
import { loadStackSettings, StackSettingsError } from './stack-settings';

describe('parseStackArgs', () => {
  it('defaults to every service and 40 log lines', () => {
    expect(parseStackArgs(['up'])).toEqual({
      command: 'up',
      services: ['cassandra', 'ferretdb'],
      lines: 40,
    });
  });

  it('accepts mongo as the name of the MongoDB-wire server and dedupes', () => {
    expect(parseStackArgs(['down', 'mongo', 'ferretdb']).services).toEqual(['ferretdb']);
    expect(parseStackArgs(['logs', 'cassandra', '-n', '5'])).toMatchObject({
      services: ['cassandra'],
      lines: 5,
    });
  });

  it.each([[[]], [['start']], [['up', 'redis']], [['logs', '-n', 'x']], [['logs', '-n']]])(
    'rejects %j with a usage error',
    (argv) => {
      expect(() => parseStackArgs(argv as string[])).toThrow(UsageError);
    },
  );
});

describe('loadStackSettings', () => {
  it('uses the standard ports and a 1 GiB heap by default', () => {
    const s = loadStackSettings({});
    expect(s).toMatchObject({
      cassandraPort: 9042,
      cassandraStoragePort: 7000,
      mongoPort: 27017,
      cassandraHeapMb: 1024,
      cacheDir: path.join(os.homedir(), '.cache', 'blog-migration'),
    });
    expect(s.dir.endsWith('/.stack')).toBe(true);
  });

  it('reads ports, folders and the cache from the environment', () => {
    const s = loadStackSettings({
      STACK_DIR: '/tmp/x',
      STACK_CASSANDRA_PORT: '19042',
      STACK_CASSANDRA_STORAGE_PORT: '17000',
      STACK_MONGO_PORT: '27018',
      XDG_CACHE_HOME: '/c',
    });
    expect(s).toMatchObject({
      dir: '/tmp/x',
      cassandraPort: 19042,
      cassandraStoragePort: 17000,
      mongoPort: 27018,
      cacheDir: '/c/blog-migration',
    });
  });

  it.each([
    [{ STACK_MONGO_PORT: 'abc' }, /STACK_MONGO_PORT must be a TCP port/],
    [{ STACK_CASSANDRA_PORT: '70000' }, /STACK_CASSANDRA_PORT must be a TCP port/],
    [{ STACK_CASSANDRA_HEAP_MB: '4096' }, /STACK_CASSANDRA_HEAP_MB must be an integer 1-1024/],
    [{ STACK_MONGO_PORT: '9042' }, /must differ/],
    [
      { STACK_MONGO_PORT: '40000' },
      /STACK_MONGO_PORT=40000 is in this machine's ephemeral port range/,
    ],
  ])('rejects %j', (env, message) => {
    expect(() => loadStackSettings(env)).toThrow(StackSettingsError);
    expect(() => loadStackSettings(env)).toThrow(message);
  });
});
