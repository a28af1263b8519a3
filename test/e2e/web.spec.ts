import { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { AppConfig, loadConfig } from '../../src/config/app-config';
import { testEnv } from '../support/test-env';
import { createTestApp } from '../integration/helpers/app';
import { dropTestStores } from '../integration/helpers/stores';

describe('web app over HTTP (phase cassandra-primary, both stores real)', () => {
  let config: AppConfig;
  let app: NestExpressApplication;

  beforeAll(async () => {
    config = loadConfig(testEnv('web', { MIGRATION_PHASE: 'cassandra-primary' }));
    app = await createTestApp(config);
  });

  afterAll(async () => {
    await app?.close();
    await dropTestStores(config);
  });

  it('renders the front page server-side with layout, partials and the phase', async () => {
    const response = await request(app.getHttpServer()).get('/').expect(200);
    expect(response.headers['content-type']).toMatch(/^text\/html/);
    const html = response.text;
    expect(html).toMatch(/^<!doctype html>/i);
    expect(html).toContain('<meta name="viewport"');
    expect(html).toContain('<header class="site">');
    expect(html).toContain('There are no posts yet.');
    expect(html).toMatch(/<footer class="site">[\s\S]*cassandra-primary[\s\S]*<\/footer>/);
  });

  it('sends the basic security headers and hides the framework', async () => {
    const response = await request(app.getHttpServer()).get('/').expect(200);
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['x-frame-options']).toBe('DENY');
    expect(response.headers['x-powered-by']).toBeUndefined();
  });

  it('reports both stores and the phase up on /health', async () => {
    const response = await request(app.getHttpServer()).get('/health').expect(200);
    expect(response.body).toMatchObject({
      status: 'ok',
      error: {},
      details: {
        phase: { status: 'up', phase: 'cassandra-primary' },
        mongo: { status: 'up' },
        cassandra: { status: 'up', releaseVersion: expect.any(String) },
      },
    });
  });

  it('answers unknown pages with 404', async () => {
    await request(app.getHttpServer()).get('/no-such-page').expect(404);
  });
});
