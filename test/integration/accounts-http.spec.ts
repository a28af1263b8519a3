import { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { AppConfig, loadConfig } from '../../src/config/app-config';
import { MIGRATION_PHASES, storeNamesUsedBy } from '../../src/config/migration-phase';
import { DualWritePostStore } from '../../src/store/dual-write/dual-write-post-store';
import { PostStoreRouter } from '../../src/store/post-store.router';
import { testEnv } from '../support/test-env';
import { AccountsSeen, cassandraAccounts, mongoAccounts } from './helpers/acked-writes';
import { createTestApp, writerOf } from './helpers/app';
import { cliEnvOf } from './helpers/migration';
import { dropTestStores, withCassandra } from './helpers/stores';

const CREATORS = 20;

/**
 * A username is unique in every phase, even while two app instances create it at the same
 * moment: MongoDB's unique index, Cassandra's lightweight-transaction claim, and in the dual
 * phases the primary deciding with the secondary following (a clash there would be a missed copy).
 */
describe.each(MIGRATION_PHASES)(
  '20 concurrent POST /api/users with one username over two instances (%s)',
  (phase) => {
    let config: AppConfig;
    const apps: NestExpressApplication[] = [];
    let admin: Record<string, string>;

    beforeAll(async () => {
      config = loadConfig(testEnv(`accounts_http_${phase}`, { MIGRATION_PHASE: phase }));
      // one after the other: the first applies the schema
      for (let i = 0; i < 2; i++) {
        const app = await createTestApp(config);
        await app.listen(0, '127.0.0.1');
        apps.push(app);
      }
      admin = await writerOf(apps[0]);
    });

    afterAll(async () => {
      await Promise.all(apps.map((app) => app.close()));
      // whichever stores the phase used (the keyspace or database may not exist: a no-op)
      if (config) {
        await dropTestStores(loadConfig({ ...cliEnvOf(config), MIGRATION_PHASE: 'dual-write' }));
      }
    });

    /** Every account in each store the phase keeps, read straight from the store. */
    async function storesSeen(): Promise<Record<string, AccountsSeen>> {
      const seen: Record<string, AccountsSeen> = {};
      for (const store of storeNamesUsedBy(phase)) {
        seen[store] =
          store === 'mongo'
            ? await mongoAccounts(config)
            : await withCassandra(config, (client) =>
                cassandraAccounts(client, config.cassandraKeyspace),
              );
      }
      return seen;
    }

    it('exactly one 201 and nineteen 409; each store of the phase holds exactly one such account', async () => {
      const username = `racer-${phase}`;
      // the same name ignoring case (usernames are stored in lower case), half on each instance
      const spellings = [username, username.toUpperCase(), `Racer-${phase}`];
      const answers = await Promise.all(
        Array.from({ length: CREATORS }, (_, i) =>
          request(apps[i % 2].getHttpServer())
            .post('/api/users')
            .set('Accept', 'application/json')
            .set(admin)
            .send({
              username: spellings[i % spellings.length],
              name: `Racer ${i}`,
              role: 'author',
              password: `racer password ${i}`,
            }),
        ),
      );
      const statuses = answers.map((a) => a.status).sort();
      expect(statuses).toEqual([201, ...Array(CREATORS - 1).fill(409)]);
      const winner = answers.findIndex((a) => a.status === 201);
      const id = (answers[winner].body as { id: string }).id;
      expect(id).toMatch(/^[0-9a-f]{24}$/);
      for (const refused of answers.filter((a) => a.status === 409)) {
        expect(refused.body).toMatchObject({ statusCode: 409, message: expect.any(String) });
      }

      // the copies to the secondary run after the answers: wait until each is written or hinted
      const router = apps.map((app) => app.get(PostStoreRouter));
      if (phase === 'dual-write' || phase === 'cassandra-primary') {
        for (const r of router) {
          const dual = r.storeFor(phase) as DualWritePostStore;
          await dual.drain();
          // no copy missed (a name clash in the secondary would be one, hinted and counted)
          expect(dual.counters).toMatchObject({ missed: 0, inFlight: 0 });
        }
      }

      const seen = await storesSeen();
      expect(Object.keys(seen).sort()).toEqual([...storeNamesUsedBy(phase)].sort());
      for (const [store, { accounts, claims }] of Object.entries(seen)) {
        const named = accounts.filter((a) => a.username === username);
        expect({ store, named }).toEqual({
          store,
          named: [{ id, username, name: `Racer ${winner}`, role: 'author', disabled: false }],
        });
        // besides the admin, no other account was made by the losers
        expect({ store, accounts: accounts.length }).toEqual({ store, accounts: 2 });
        if (claims) expect({ store, claim: claims.get(username) }).toEqual({ store, claim: id });
      }

      // and both instances answer the same: the name is taken (409), whoever asks
      for (const app of apps) {
        await request(app.getHttpServer())
          .post('/api/users')
          .set('Accept', 'application/json')
          .set(admin)
          .send({ username, role: 'author', password: 'one more password' })
          .expect(409);
      }
    });
  },
);
