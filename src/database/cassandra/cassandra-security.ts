import * as fs from 'node:fs';
import { ClientOptions, auth } from 'cassandra-driver';
import { CassandraSecuritySettings } from '../../config/cassandra-security';

/**
 * The driver's login and TLS options from the validated config: PasswordAuthenticator when a
 * user name is set, TLS when a CA is. The files are read here, once per client.
 */
export function cassandraSecurityOptions(
  config: CassandraSecuritySettings,
): Pick<ClientOptions, 'authProvider' | 'sslOptions'> {
  const options: Pick<ClientOptions, 'authProvider' | 'sslOptions'> = {};
  if (config.cassandraUsername && config.cassandraPassword) {
    options.authProvider = new auth.PlainTextAuthProvider(
      config.cassandraUsername,
      config.cassandraPassword,
    );
  }
  if (config.cassandraTlsCa) {
    options.sslOptions = {
      ca: [fs.readFileSync(config.cassandraTlsCa)],
      ...(config.cassandraTlsCert &&
        config.cassandraTlsKey && {
          cert: fs.readFileSync(config.cassandraTlsCert),
          key: fs.readFileSync(config.cassandraTlsKey),
        }),
      // The driver turns certificate checks off unless told otherwise. With them on, Node also
      // checks the node's identity: the certificate must name the contact point (IP or DNS SAN).
      rejectUnauthorized: true,
    };
  }
  return options;
}
