import { NestExpressApplication } from '@nestjs/platform-express';
import { AppConfig, loadConfig } from '../../src/config/app-config';
import { StoreConnections } from '../../src/database/store-connections';
import { testEnv } from '../support/test-env';
import { createTestApp, healthDetails } from './helpers/app';
import { dropTestStores, withCassandra, withMongo } from './helpers/stores';
import { migrationVersions } from './helpers/migrations';

// The unused store points at a port nothing listens on: if the app touched it, boot would fail.
const NOWHERE_CASSANDRA = '127.0.0.1:1';
const NOWHERE_MONGO = 'mongodb://127.0.0.1:1/nowhere';

describe('a phase connects only the stores it uses (the other one may not even exist)', () => {
  describe('phase mongo', () => {
    let config: AppConfig;
    let app: NestExpressApplication;

    beforeAll(async () => {
      config = loadConfig(
        testEnv('phase-mongo', {
          MIGRATION_PHASE: 'mongo',
          CASSANDRA_CONTACT_POINTS: NOWHERE_CASSANDRA,
        }),
      );
      app = await createTestApp(config);
    });

    afterAll(async () => {
      await app?.close();
      await dropTestStores(config);
    });

    it('never connects to Cassandra', () => {
      const connections = app.get(StoreConnections);
      expect(connections.isOpen('cassandra')).toBe(false);
      expect(connections.isOpen('mongo')).toBe(true);
    });

    it('reports health without a cassandra entry', async () => {
      const response = await healthDetails(app);
      expect(response.status).toBe(200);
      expect(Object.keys(response.body.details as object).sort()).toEqual(['mongo', 'phase']);
      expect(response.body.details.phase).toEqual({
        status: 'up',
        phase: 'mongo',
        set_by: 'MIGRATION_PHASE',
      });
    });

    it('migrated Mongo only', async () => {
      const versions = await withMongo(config, (db) =>
        db.collection('schema_migrations').distinct('_id'),
      );
      expect(versions).toEqual(migrationVersions('mongo'));
    });
  });

  describe('phase cassandra', () => {
    let config: AppConfig;
    let app: NestExpressApplication;

    beforeAll(async () => {
      config = loadConfig(
        testEnv('phase-cassandra', { MIGRATION_PHASE: 'cassandra', MONGO_URL: NOWHERE_MONGO }),
      );
      app = await createTestApp(config);
    });

    afterAll(async () => {
      await app?.close();
      await dropTestStores(config);
    });

    it('never connects to MongoDB', () => {
      const connections = app.get(StoreConnections);
      expect(connections.isOpen('mongo')).toBe(false);
      expect(connections.isOpen('cassandra')).toBe(true);
    });

    it('reports health without a mongo entry', async () => {
      const response = await healthDetails(app);
      expect(response.status).toBe(200);
      expect(Object.keys(response.body.details as object).sort()).toEqual(['cassandra', 'phase']);
      expect(response.body.details.cassandra.status).toBe('up');
    });

    it('migrated Cassandra only', async () => {
      const rows = await withCassandra(
        config,
        async (client) =>
          (
            await client.execute(
              `SELECT version FROM ${config.cassandraKeyspace}.schema_migrations`,
            )
          ).rows,
      );
      expect(rows.map((row) => row.get('version') as string).sort()).toEqual(
        migrationVersions('cassandra'),
      );
    });
  });
});
