import { HealthIndicatorService } from '@nestjs/terminus';
import mongoose, { Connection } from 'mongoose';
import { AppConfig, loadConfig } from '../../src/config/app-config';
import { CassandraClient } from '../../src/database/cassandra/cassandra-client';
import { CassandraHealthIndicator } from '../../src/health/cassandra.health';
import { MongoHealthIndicator } from '../../src/health/mongo.health';
import { testEnv } from '../support/test-env';
import { silentServer } from './helpers/tcp';

const TIMEOUT_MS = 1000;
// Time allowed on top of the timeout for the event loop and the assertion itself.
const SLACK_MS = 750;

function configFor(overrides: Record<string, string>): AppConfig {
  return loadConfig(
    testEnv('health-indicators', { HEALTH_CHECK_TIMEOUT_MS: String(TIMEOUT_MS), ...overrides }),
  );
}

async function timed<T>(work: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const started = Date.now();
  const result = await work();
  return { result, ms: Date.now() - started };
}

describe('store health indicators', () => {
  const health = new HealthIndicatorService();

  describe('cassandra', () => {
    async function check(contactPoints: string) {
      const config = configFor({ CASSANDRA_CONTACT_POINTS: contactPoints });
      // Never connected on purpose: the indicator must cope with a client that cannot connect.
      const client = new CassandraClient(config);
      try {
        return await timed(() => new CassandraHealthIndicator(health, client, config).isHealthy());
      } finally {
        await client.shutdown();
      }
    }

    it('is up against the real server, with its version', async () => {
      const { result } = await check(loadConfig(testEnv('x')).cassandraContactPoints.join(','));
      expect(result.cassandra).toEqual({ status: 'up', releaseVersion: expect.any(String) });
    });

    it('is down, not thrown, when nothing listens (127.0.0.1:1)', async () => {
      const { result, ms } = await check('127.0.0.1:1');
      expect(result.cassandra.status).toBe('down');
      expect(result.cassandra.message).toEqual(expect.any(String));
      expect(ms).toBeLessThan(TIMEOUT_MS + SLACK_MS);
    });

    it('is down within the timeout when the server accepts but never answers', async () => {
      const server = await silentServer();
      try {
        const { result, ms } = await check(`127.0.0.1:${server.port}`);
        expect(result.cassandra).toEqual({
          status: 'down',
          message: `Cassandra did not answer within ${TIMEOUT_MS} ms`,
        });
        expect(ms).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
        expect(ms).toBeLessThan(TIMEOUT_MS + SLACK_MS);
      } finally {
        await server.close();
      }
    });
  });

  describe('mongo', () => {
    const config = configFor({});

    it('is up against the real server', async () => {
      const connection = await mongoose.createConnection(config.mongoUrl).asPromise();
      try {
        const result = await new MongoHealthIndicator(health, connection, config).isHealthy();
        expect(result).toEqual({ mongo: { status: 'up' } });
      } finally {
        await connection.close();
      }
    });

    it('is down within the timeout when the ping never comes back', async () => {
      const hanging = {
        db: { admin: () => ({ command: () => new Promise(() => undefined) }) },
      } as unknown as Connection;
      const { result, ms } = await timed(() =>
        new MongoHealthIndicator(health, hanging, config).isHealthy(),
      );
      expect(result).toEqual({
        mongo: { status: 'down', message: `MongoDB did not answer within ${TIMEOUT_MS} ms` },
      });
      expect(ms).toBeLessThan(TIMEOUT_MS + SLACK_MS);
    });

    it('is down when the connection never opened', async () => {
      const connection = mongoose.createConnection('mongodb://127.0.0.1:1/nowhere', {
        serverSelectionTimeoutMS: 500,
      });
      connection.on('error', () => undefined);
      try {
        const { result, ms } = await timed(() =>
          new MongoHealthIndicator(health, connection, config).isHealthy(),
        );
        expect(result.mongo.status).toBe('down');
        expect(ms).toBeLessThan(TIMEOUT_MS + SLACK_MS);
      } finally {
        await connection.close().catch(() => undefined);
      }
    });
  });
});
