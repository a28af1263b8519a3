import { Logger } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { errors } from 'cassandra-driver';
import mongoose from 'mongoose';
import request from 'supertest';
import { AccountsService } from '../../src/accounts/accounts.service';
import { AppModule } from '../../src/app.module';
import { AppConfig, loadConfig } from '../../src/config/app-config';
import { configureApp } from '../../src/configure-app';
import { CassandraPostStore } from '../../src/store/cassandra/cassandra-post-store';
import { DualWritePrimaryError } from '../../src/store/dual-write/dual-write-post-store';
import { MongoPostStore } from '../../src/store/mongo/mongo-post-store';
import { PostStore } from '../../src/store/post-store';
import { WRITER, writerOf } from '../integration/helpers/app';
import { dropTestStores } from '../integration/helpers/stores';
import { testEnv } from '../support/test-env';
import { E2E_PHASES } from './helpers/phases';
import { Browser, JSON_HEADERS, postFields, signInTo } from './helpers/web-app';

const ID = '0123456789abcdef01234567';
const UNAVAILABLE = 'The database is not available right now; nothing was saved. Please try again.';

const STORE_METHODS = [
  'createPost',
  'getPost',
  'updatePost',
  'deletePost',
  'addComment',
  'getComment',
  'listComments',
  'countComments',
  'listPosts',
  'authorStats',
  'totals',
];

/**
 * A PostStore whose every method fails with whatever the test sets. Only the port's methods:
 * anything else (Nest probes for `then`, `onModuleInit`...) must stay undefined. It stands in for
 * both stores, under the router: what a store's driver throws reaches the app as it would.
 */
function failingStore(failure: { error: unknown }, name: string): PostStore {
  const fail = () => Promise.reject(failure.error);
  return Object.assign(
    Object.create(PostStore.prototype) as PostStore,
    { name },
    Object.fromEntries(STORE_METHODS.map((method) => [method, fail])),
  );
}

describe.each(E2E_PHASES)(
  'errors a store causes (phase %s, real app, failing PostStore)',
  (phase) => {
    const failure: { error: unknown } = { error: undefined };
    let config: AppConfig;
    let app: NestExpressApplication;
    let logged: jest.SpyInstance;
    // the admin `editor`: its bearer token for JSON, a signed-in browser for forms and pages
    // (accounts live in the real stores: only the post stores fail)
    let writer: Record<string, string>;
    let editor: Browser;
    const http = () => request(app.getHttpServer());

    beforeAll(async () => {
      config = loadConfig(testEnv(`errors_${phase}`, { MIGRATION_PHASE: phase }));
      const moduleRef = await Test.createTestingModule({ imports: [AppModule.forRoot(config)] })
        .overrideProvider(MongoPostStore)
        .useValue(failingStore(failure, 'mongo'))
        .overrideProvider(CassandraPostStore)
        .useValue(failingStore(failure, 'cassandra'))
        .compile();
      app = moduleRef.createNestApplication<NestExpressApplication>({ logger: ['error', 'warn'] });
      configureApp(app);
      await app.init();
      writer = await writerOf(app);
      editor = await signInTo(app, (await app.get(AccountsService).named(WRITER.username))!);
    });

    beforeEach(() => {
      logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    });
    afterEach(() => logged.mockRestore());

    afterAll(async () => {
      await app?.close();
      if (config) await dropTestStores(config);
    });

    describe.each([
      [
        'MongoDB unreachable',
        () => new mongoose.mongo.MongoServerSelectionError('no server', {} as never),
      ],
      ['Cassandra without hosts', () => new errors.NoHostAvailableError({})],
      [
        'a dual-write primary failure',
        () => new DualWritePrimaryError('mongo', 'update post', ID, new Error('primary down')),
      ],
    ])('%s', (_what, makeError) => {
      beforeEach(() => {
        failure.error = makeError();
      });

      it('is a 503 page saying nothing was saved, logged with the route and id', async () => {
        const response = await editor.agent
          .post(`/edit/${ID}`)
          .type('form')
          .send({ ...postFields(), _csrf: editor.csrf })
          .expect(503);
        expect(response.headers['content-type']).toMatch(/^text\/html/);
        expect(response.headers['retry-after']).toBe('5');
        expect(response.text).toContain('data-status="503"');
        expect(response.text).toContain(UNAVAILABLE);
        expect(response.text).toContain(`data-phase="${phase}"`);
        expect(logged).toHaveBeenCalledWith(
          expect.stringContaining(`POST /edit/:id id=${ID}: store unavailable`),
        );
      });

      it('is a 503 JSON for API clients', async () => {
        const list = await http().get('/api/posts').expect(503);
        expect(list.body).toEqual({
          statusCode: 503,
          message: UNAVAILABLE,
          requestId: list.headers['x-request-id'],
        });
        const create = await http()
          .post('/create')
          .set(JSON_HEADERS)
          .set(writer)
          .send(postFields())
          .expect(503);
        expect(create.body.message).toBe(UNAVAILABLE);
      });

      it.each(['/', `/post/${ID}`, `/delete/${ID}`])('is a 503 page on GET %s', async (url) => {
        const response = await editor.agent.get(url).expect(503);
        expect(response.text).toContain(UNAVAILABLE);
      });
    });

    it('makes an unexpected error a 500 page that shows no internals, logged with its stack', async () => {
      failure.error = new TypeError('secret internals');
      const response = await http().get(`/post/${ID}`).expect(500);
      expect(response.text).toContain('data-status="500"');
      expect(response.text).not.toContain('secret internals');
      expect(logged).toHaveBeenCalledWith(
        expect.stringContaining(`GET /post/:id id=${ID}: TypeError: secret internals`),
        expect.stringContaining('TypeError'),
      );
      const json = await http().get(`/api/posts/${ID}`).expect(500);
      // the request id, for the user to quote: the one answered in X-Request-Id
      expect(json.body).toEqual({
        statusCode: 500,
        message: expect.any(String),
        requestId: json.headers['x-request-id'],
      });
      expect(response.text).toContain(`<code>${response.headers['x-request-id']}</code>`);
    });

    it('still answers validation errors and malformed ids without touching the store', async () => {
      failure.error = new TypeError('the store must not be called');
      await http().get('/post/not-an-id').expect(404);
      await http().post('/create').set(JSON_HEADERS).set(writer).send({ title: '' }).expect(400);
      await http().get('/?sort=bogus').expect(400);
    });
  },
);
