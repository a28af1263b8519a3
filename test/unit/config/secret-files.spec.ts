import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigError, loadConfig } from '../../../src/config/app-config';
import { SECRET_VARIABLES } from '../../../src/config/secret-files';

const SECRET = 'a-session-secret-of-more-than-32-characters';

describe('secrets from files (<NAME>_FILE)', () => {
  let dir: string;
  const file = (name: string, content: string | Buffer) => {
    const target = path.join(dir, name);
    fs.writeFileSync(target, content, { mode: 0o600 });
    return target;
  };
  const problemFor = (env: Record<string, string>): string => {
    try {
      loadConfig(env);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const message = (error as ConfigError).message;
      expect(message).not.toContain('\n');
      return message;
    }
    throw new Error('expected a ConfigError');
  };

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'secret-files-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('covers the MongoDB URL, the Cassandra password, the session secret and the backup key', () => {
    expect(SECRET_VARIABLES).toEqual(
      expect.arrayContaining([
        'MONGO_URL',
        'CASSANDRA_PASSWORD',
        'SESSION_SECRET',
        'BACKUP_KEY',
        'METRICS_TOKEN',
      ]),
    );
  });

  it('reads BACKUP_KEY from BACKUP_KEY_FILE', () => {
    const key = 'k'.repeat(40);
    const config = loadConfig({ BACKUP_KEY_FILE: file('backup-key', `${key}\n`) });
    expect(config.backupKey).toBe(key);
  });

  it('reads each secret from its file, without the trailing line break', () => {
    const config = loadConfig({
      MONGO_URL_FILE: file('mongo-url', 'mongodb://blog:pw@db.example.net/blog\n'),
      CASSANDRA_USERNAME: 'blog',
      CASSANDRA_PASSWORD_FILE: file('cassandra-password', 'p@ss word\r\n'),
      SESSION_SECRET_FILE: file('session-secret', `${SECRET}\n`),
    });
    expect(config.mongoUrl).toBe('mongodb://blog:pw@db.example.net/blog');
    expect(config.mongoDatabase).toBe('blog');
    expect(config.cassandraPassword).toBe('p@ss word');
    expect(config.sessionSecret).toBe(SECRET);
  });

  it('refuses a secret set both ways, naming both variables', () => {
    expect(
      problemFor({
        CASSANDRA_USERNAME: 'blog',
        CASSANDRA_PASSWORD: 'direct',
        CASSANDRA_PASSWORD_FILE: file('pw', 'from-file'),
      }),
    ).toBe(
      'Invalid configuration: CASSANDRA_PASSWORD and CASSANDRA_PASSWORD_FILE are both set: set only one',
    );
  });

  it('names the variable and the path of a file that cannot be read, never a content', () => {
    const missing = path.join(dir, 'missing');
    expect(problemFor({ SESSION_SECRET_FILE: missing })).toBe(
      `Invalid configuration: SESSION_SECRET_FILE cannot be read (${missing}: no such file)`,
    );
    expect(problemFor({ MONGO_URL_FILE: dir })).toBe(
      `Invalid configuration: MONGO_URL_FILE cannot be read (${dir}: it is a folder)`,
    );
    const big = file('big', Buffer.alloc(65 * 1024, 'x'));
    const message = problemFor({ CASSANDRA_USERNAME: 'u', CASSANDRA_PASSWORD_FILE: big });
    expect(message).toBe(
      `Invalid configuration: CASSANDRA_PASSWORD_FILE cannot be read (${big}: larger than 64 KiB)`,
    );
    expect(message).not.toContain('xxx');
  });

  it('refuses an empty file instead of falling back to a default', () => {
    const empty = file('empty', '\n');
    expect(problemFor({ MONGO_URL_FILE: empty })).toBe(
      `Invalid configuration: MONGO_URL_FILE names an empty file (${empty})`,
    );
  });

  it('never shows a password read from a file when the value itself is refused', () => {
    const message = problemFor({ MONGO_URL_FILE: file('bad-url', 'mongodb://u:hunter2@h') });
    expect(message).toContain('MONGO_URL must be');
    expect(message).not.toContain('hunter2');
  });
});
