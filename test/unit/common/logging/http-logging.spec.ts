import { Logger as NestLogger } from '@nestjs/common';
import express from 'express';
import { Logger, PinoLogger } from 'nestjs-pino';
import request from 'supertest';
import { httpLogging } from '../../../../src/common/logging/http-logging';
import {
  bindRequestContext,
  currentRequestId,
} from '../../../../src/common/logging/request-context';
import { createRootLogger } from '../../../../src/common/logging/root-logger';
import { LogCapture } from '../../../support/log-capture';

/**
 * The request logging as configureApp installs it, on a bare Express app: the id middleware
 * first, a body parser, then the logging context, then routes that log through @nestjs/common's
 * Logger (as the app's services do) after an await.
 */
function loggedApp() {
  const capture = new LogCapture();
  const root = createRootLogger({ level: 'info', readable: false }, capture);
  // what main.ts does with app.useLogger(app.get(Logger))
  NestLogger.overrideLogger(new Logger(new PinoLogger({ pinoHttp: { logger: root } }), {}));
  const seen: (string | undefined)[] = [];
  const app = express();
  app.use(httpLogging(root));
  app.use(express.json({ limit: '1kb' }));
  app.use(bindRequestContext);
  app.post('/posts/:id', async (req, res) => {
    await new Promise((resolve) => setTimeout(resolve, 5));
    new NestLogger('PostsService').warn(`saved ${req.params.id}`);
    seen.push(currentRequestId());
    res.status(201).json({ ok: true });
  });
  app.get('/boom', () => {
    throw new Error('boom');
  });
  return { app, capture, seen };
}

describe('request logging (httpLogging + bindRequestContext)', () => {
  afterEach(() => NestLogger.overrideLogger(false));

  it('ties a Nest Logger line inside the request, and the access line, to the request id', async () => {
    const { app, capture, seen } = loggedApp();
    const response = await request(app)
      .post('/posts/p1?token=query-secret')
      .set('X-Request-Id', 'req-42')
      .set('Cookie', 'session=cookie-secret')
      .set('Authorization', 'Bearer bearer-secret')
      .send({ password: 'body-secret', _csrf: 'csrf-secret' })
      .expect(201);
    expect(response.headers['x-request-id']).toBe('req-42');
    expect(seen).toEqual(['req-42']);

    const service = capture.lines.find((line) => line.context === 'PostsService');
    expect(service).toMatchObject({ level: 'warn', msg: 'saved p1', requestId: 'req-42' });

    const access = capture.lines.find((line) => line.route !== undefined);
    expect(access).toMatchObject({
      level: 'info',
      requestId: 'req-42',
      method: 'POST',
      route: '/posts/:id',
      path: '/posts/p1',
      status: 201,
      msg: expect.stringMatching(/^POST \/posts\/:id 201 \d+ms$/),
    });
    expect(access?.durationMs).toEqual(expect.any(Number));

    // no cookie, token, query, password or CSRF token anywhere in the lines
    const text = JSON.stringify(capture.lines);
    for (const secret of [
      'cookie-secret',
      'bearer-secret',
      'query-secret',
      'body-secret',
      'csrf-secret',
    ]) {
      expect(text).not.toContain(secret);
    }
  });

  it('logs a 5xx as a warning and a 404 (no route) by its path, each with a new id', async () => {
    const { app, capture } = loggedApp();
    const failed = await request(app).get('/boom').expect(500);
    const missing = await request(app).get('/nothing/here').expect(404);
    const [boom, nothing] = capture.lines.filter((line) => line.status !== undefined);
    expect(boom).toMatchObject({
      level: 'warn',
      status: 500,
      route: '/boom',
      requestId: failed.headers['x-request-id'],
    });
    expect(nothing).toMatchObject({
      level: 'info',
      status: 404,
      route: null,
      path: '/nothing/here',
      requestId: missing.headers['x-request-id'],
    });
    expect(failed.headers['x-request-id']).not.toBe(missing.headers['x-request-id']);
  });

  it('answers a body the parser refused (413) with its id and logs it', async () => {
    const { app, capture } = loggedApp();
    const refused = await request(app)
      .post('/posts/p2')
      .set('X-Request-Id', 'req-413')
      .send({ text: 'x'.repeat(4096) })
      .expect(413);
    expect(refused.headers['x-request-id']).toBe('req-413');
    expect(capture.lines).toContainEqual(
      expect.objectContaining({ requestId: 'req-413', status: 413, path: '/posts/p2' }),
    );
  });

  it('has no request id outside a request', () => {
    expect(currentRequestId()).toBeUndefined();
  });
});
