import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ClientOptions, auth } from 'cassandra-driver';
import { CassandraSecurity, StackSettings } from './stack-settings';
import { requireTool, run } from './toolchain';

/** The role the app logs in as; the default superuser cassandra/cassandra only creates it. */
export const APP_ROLE = 'blog';

/**
 * The files of a secured stack, all in `<STACK_DIR>/cassandra/secure/` (mode 0700): the CA
 * certificate clients trust, the node's keystore, a client certificate and key, the app role's
 * password, and the mode the running server was started with.
 */
export class CassandraSecurityFiles {
  constructor(readonly dir: string) {}
  get ca(): string {
    return path.join(this.dir, 'ca.pem');
  }
  get clientCert(): string {
    return path.join(this.dir, 'client.pem');
  }
  get clientKey(): string {
    return path.join(this.dir, 'client.key');
  }
  get keystore(): string {
    return path.join(this.dir, 'keystore.p12');
  }
  get truststore(): string {
    return path.join(this.dir, 'truststore.p12');
  }
  get storePassword(): string {
    return path.join(this.dir, 'store-password');
  }
  get password(): string {
    return path.join(this.dir, `${APP_ROLE}-password`);
  }
  /** written when the server starts: what `status`, `isReady` and `npm start` connect with */
  get mode(): string {
    return path.join(this.dir, 'mode.json');
  }

  readMode(): CassandraSecurity {
    try {
      return JSON.parse(fs.readFileSync(this.mode, 'utf8')) as CassandraSecurity;
    } catch {
      return { auth: false, tls: 'off' };
    }
  }

  writeMode(mode: CassandraSecurity): void {
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    fs.writeFileSync(this.mode, `${JSON.stringify(mode)}\n`);
  }
}

/** A random secret kept in `file` (0600), made on first use; also used by the service. */
export function secretFile(file: string): string {
  if (!fs.existsSync(file)) {
    fs.writeFileSync(file, randomBytes(18).toString('base64url'), { mode: 0o600, flag: 'wx' });
  }
  return fs.readFileSync(file, 'utf8').trim();
}

/**
 * Makes the stack's own CA and, signed by it, the node's certificate (naming 127.0.0.1 and
 * localhost, so clients can check its identity) and a client certificate, once per data folder.
 * The CA's key is deleted afterwards: nothing else can be signed with it.
 */
export async function ensureTlsMaterial(files: CassandraSecurityFiles, settings: StackSettings) {
  const done = path.join(files.dir, '.complete');
  if (fs.existsSync(done)) return;
  requireTool('openssl', 'make the TLS certificates of STACK_CASSANDRA_TLS', 'install openssl');
  fs.mkdirSync(files.dir, { recursive: true, mode: 0o700 });
  const work = fs.mkdtempSync(path.join(files.dir, 'tmp-'));
  const openssl = (args: string[], what: string) => run('openssl', args, { cwd: work, what });
  const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const storePassword = secretFile(files.storePassword);
  try {
    await openssl(
      ['req', '-x509', ...newKey, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '3650'].concat([
        '-subj',
        '/CN=blog local stack CA',
      ]),
      'making the stack CA',
    );
    const sign = async (name: string, subject: string, extensions: string) => {
      fs.writeFileSync(path.join(work, `${name}.ext`), extensions);
      await openssl(
        ['req', ...newKey, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject],
        `making the ${name} key`,
      );
      await openssl(
        ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key'].concat([
          '-CAcreateserial',
          '-out',
          `${name}.pem`,
          '-days',
          '825',
          '-extfile',
          `${name}.ext`,
        ]),
        `signing the ${name} certificate`,
      );
    };
    await sign(
      'node',
      '/CN=localhost',
      `subjectAltName=IP:${settings.host},DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n`,
    );
    await sign('client', `/CN=${APP_ROLE}`, 'extendedKeyUsage=clientAuth\n');
    await openssl(
      ['pkcs12', '-export', '-in', 'node.pem', '-inkey', 'node.key', '-certfile', 'ca.pem'].concat([
        '-name',
        'node',
        '-out',
        'keystore.p12',
        '-passout',
        `pass:${storePassword}`,
      ]),
      'making the node keystore',
    );
    const keytool = path.join(path.dirname(settings.java17), 'keytool');
    await run(
      keytool,
      [
        '-importcert',
        '-noprompt',
        '-alias',
        'ca',
        '-file',
        'ca.pem',
        '-storetype',
        'PKCS12',
      ].concat(['-keystore', 'truststore.p12', '-storepass', storePassword]),
      { cwd: work, what: 'making the truststore' },
    );
    for (const file of ['ca.pem', 'client.pem', 'client.key', 'keystore.p12', 'truststore.p12']) {
      fs.renameSync(path.join(work, file), path.join(files.dir, file));
      fs.chmodSync(path.join(files.dir, file), file.endsWith('.pem') ? 0o644 : 0o600);
    }
    fs.writeFileSync(done, new Date().toISOString());
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** cassandra.yaml lines for the mode (none for an open server). */
export function securityYaml(mode: CassandraSecurity, files: CassandraSecurityFiles): string[] {
  const lines: string[] = [];
  if (mode.auth) {
    lines.push(
      'authenticator: PasswordAuthenticator',
      'authorizer: CassandraAuthorizer',
      'role_manager: CassandraRoleManager',
    );
  }
  if (mode.tls !== 'off') {
    const storePassword = secretFile(files.storePassword);
    lines.push(
      'client_encryption_options:',
      '  enabled: true',
      '  optional: false',
      `  keystore: ${files.keystore}`,
      `  keystore_password: ${storePassword}`,
      '  store_type: PKCS12',
      `  require_client_auth: ${mode.tls === 'mutual'}`,
      `  truststore: ${files.truststore}`,
      `  truststore_password: ${storePassword}`,
    );
  }
  return lines;
}

/** The driver options a client of this stack needs, as `role` (the app's by default). */
export function securityClientOptions(
  mode: CassandraSecurity,
  files: CassandraSecurityFiles,
  role?: { name: string; password: string },
): Pick<ClientOptions, 'authProvider' | 'sslOptions'> {
  const options: Pick<ClientOptions, 'authProvider' | 'sslOptions'> = {};
  if (mode.auth) {
    const { name, password } = role ?? { name: APP_ROLE, password: secretFile(files.password) };
    options.authProvider = new auth.PlainTextAuthProvider(name, password);
  }
  if (mode.tls !== 'off') {
    options.sslOptions = {
      ca: [fs.readFileSync(files.ca)],
      rejectUnauthorized: true,
      ...(mode.tls === 'mutual' && {
        cert: fs.readFileSync(files.clientCert),
        key: fs.readFileSync(files.clientKey),
      }),
    };
  }
  return options;
}

/** The app's settings for this stack (paths only: the password stays in its file). */
export function securityClientEnv(
  mode: CassandraSecurity,
  files: CassandraSecurityFiles,
): Record<string, string> {
  return {
    ...(mode.auth && {
      CASSANDRA_USERNAME: APP_ROLE,
      CASSANDRA_PASSWORD_FILE: files.password,
    }),
    ...(mode.tls !== 'off' && { CASSANDRA_TLS_CA: files.ca }),
    ...(mode.tls === 'mutual' && {
      CASSANDRA_TLS_CERT: files.clientCert,
      CASSANDRA_TLS_KEY: files.clientKey,
    }),
  };
}
