import * as path from 'node:path';
import { ConfigError, loadConfig } from '../../../src/config/app-config';
import { cassandraClientOptions } from '../../../src/database/cassandra/cassandra-client';

// test-only certificates and keys (see fixtures/README)
const FIXTURES = path.join(__dirname, 'fixtures');
const CA = path.join(FIXTURES, 'ca.pem');
const CERT = path.join(FIXTURES, 'client.pem');
const KEY = path.join(FIXTURES, 'client.key');
const OTHER_KEY = path.join(FIXTURES, 'other.key');

function problemsFor(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).not.toContain('\n');
    return (error as ConfigError).problems;
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(env)}`);
}

describe('Cassandra login and TLS settings', () => {
  it('are off by default: no auth provider, no TLS', () => {
    const options = cassandraClientOptions(loadConfig({}));
    expect(options.authProvider).toBeUndefined();
    expect(options.sslOptions).toBeUndefined();
  });

  it('log in with PasswordAuthenticator and check the server certificate and identity', () => {
    const config = loadConfig({
      CASSANDRA_USERNAME: 'blog',
      CASSANDRA_PASSWORD: 'secret',
      CASSANDRA_TLS_CA: CA,
      CASSANDRA_TLS_CERT: CERT,
      CASSANDRA_TLS_KEY: KEY,
    });
    const options = cassandraClientOptions(config);
    const authenticator = options.authProvider!.newAuthenticator('127.0.0.1:9042', 'x');
    const response = new Promise<Buffer>((resolve, reject) =>
      authenticator.initialResponse((error: Error | null, token: Buffer) =>
        error ? reject(error) : resolve(token),
      ),
    );
    return response.then((token) => {
      expect(token.toString('utf8')).toBe('\0blog\0secret');
      expect(options.sslOptions).toMatchObject({ rejectUnauthorized: true });
      expect(options.sslOptions!.checkServerIdentity).toBeUndefined();
      expect(String(options.sslOptions!.ca)).toContain('BEGIN CERTIFICATE');
      expect(String(options.sslOptions!.cert)).toContain('BEGIN CERTIFICATE');
      expect(String(options.sslOptions!.key)).toContain('PRIVATE KEY');
    });
  });

  it('TLS with a CA only sends no client certificate', () => {
    const options = cassandraClientOptions(loadConfig({ CASSANDRA_TLS_CA: CA }));
    expect(options.sslOptions).toEqual({ ca: [expect.any(Buffer)], rejectUnauthorized: true });
  });

  it.each([
    [{ CASSANDRA_PASSWORD: 'x' }, 'CASSANDRA_PASSWORD is set without CASSANDRA_USERNAME'],
    [
      { CASSANDRA_USERNAME: 'blog' },
      'CASSANDRA_USERNAME is set without CASSANDRA_PASSWORD (or CASSANDRA_PASSWORD_FILE)',
    ],
    [
      { CASSANDRA_TLS_CA: CA, CASSANDRA_TLS_CERT: CERT },
      'CASSANDRA_TLS_CERT and CASSANDRA_TLS_KEY go together: set both or neither',
    ],
    [
      { CASSANDRA_TLS_CERT: CERT, CASSANDRA_TLS_KEY: KEY },
      'CASSANDRA_TLS_CERT and CASSANDRA_TLS_KEY need CASSANDRA_TLS_CA (TLS is on only with a CA)',
    ],
    [
      { CASSANDRA_TLS_CA: '/nonexistent/ca.pem' },
      'CASSANDRA_TLS_CA cannot be read (/nonexistent/ca.pem: no such file)',
    ],
    [
      { CASSANDRA_TLS_CA: KEY },
      `CASSANDRA_TLS_CA must be a PEM file of CA certificates (${KEY} is not)`,
    ],
    [
      { CASSANDRA_TLS_CA: CA, CASSANDRA_TLS_CERT: CERT, CASSANDRA_TLS_KEY: CERT },
      `CASSANDRA_TLS_KEY must be an unencrypted PEM private key file (${CERT} is not)`,
    ],
    [
      { CASSANDRA_TLS_CA: CA, CASSANDRA_TLS_CERT: CERT, CASSANDRA_TLS_KEY: OTHER_KEY },
      'CASSANDRA_TLS_KEY is not the private key of CASSANDRA_TLS_CERT',
    ],
  ])('refuses %j with one clause', (env, problem) => {
    expect(problemsFor(env)).toEqual([problem]);
  });

  it('never shows the password or a key in an error', () => {
    const problems = problemsFor({
      CASSANDRA_PASSWORD: 'hunter2',
      CASSANDRA_TLS_CA: KEY,
    }).join('; ');
    expect(problems).not.toContain('hunter2');
    expect(problems).not.toContain('PRIVATE KEY');
  });
});
