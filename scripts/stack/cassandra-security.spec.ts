import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CassandraSecurityFiles, securityClientEnv, securityYaml } from './cassandra-security';
import { loadStackSettings, StackSettingsError } from './stack-settings';

describe('the stack Cassandra security mode (STACK_CASSANDRA_AUTH, STACK_CASSANDRA_TLS)', () => {
  let files: CassandraSecurityFiles;
  beforeEach(() => {
    files = new CassandraSecurityFiles(fs.mkdtempSync(path.join(os.tmpdir(), 'stack-secure-')));
  });
  afterEach(() => fs.rmSync(files.dir, { recursive: true, force: true }));

  it('is open by default: no yaml, no app settings', () => {
    const mode = loadStackSettings({}).cassandraSecurity;
    expect(mode).toEqual({ auth: false, tls: 'off' });
    expect(securityYaml(mode, files)).toEqual([]);
    expect(securityClientEnv(mode, files)).toEqual({});
    expect(files.readMode()).toEqual(mode);
  });

  it('reads the two settings and refuses other values with one line', () => {
    expect(
      loadStackSettings({ STACK_CASSANDRA_AUTH: '1', STACK_CASSANDRA_TLS: 'mutual' })
        .cassandraSecurity,
    ).toEqual({ auth: true, tls: 'mutual' });
    expect(loadStackSettings({ STACK_CASSANDRA_TLS: '1' }).cassandraSecurity.tls).toBe('on');
    expect(() => loadStackSettings({ STACK_CASSANDRA_TLS: 'yes' })).toThrow(
      new StackSettingsError('STACK_CASSANDRA_TLS must be one of 0, 1, mutual (got "yes")'),
    );
  });

  it('secured: PasswordAuthenticator, TLS required, and the app settings name files only', () => {
    const mode = { auth: true, tls: 'mutual' as const };
    const yaml = securityYaml(mode, files).join('\n');
    expect(yaml).toContain('authenticator: PasswordAuthenticator');
    expect(yaml).toMatch(/client_encryption_options:\n {2}enabled: true\n {2}optional: false/);
    expect(yaml).toContain('require_client_auth: true');
    expect(fs.statSync(files.storePassword).mode & 0o077).toBe(0);
    expect(securityClientEnv(mode, files)).toEqual({
      CASSANDRA_USERNAME: 'blog',
      CASSANDRA_PASSWORD_FILE: files.password,
      CASSANDRA_TLS_CA: files.ca,
      CASSANDRA_TLS_CERT: files.clientCert,
      CASSANDRA_TLS_KEY: files.clientKey,
    });
    files.writeMode(mode);
    expect(files.readMode()).toEqual(mode);
    const tlsOnly = { auth: false, tls: 'on' as const };
    expect(securityYaml(tlsOnly, files).join('\n')).toContain('require_client_auth: false');
    expect(securityClientEnv(tlsOnly, files)).toEqual({ CASSANDRA_TLS_CA: files.ca });
  });
});
