import { ExecutionContext, HttpException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ThrottlerStorageService } from '@nestjs/throttler';
import {
  CommentRateLimitGuard,
  TOO_MANY_COMMENTS_MESSAGE,
} from '../../../src/auth/comment-rate-limit.guard';
import {
  AddressRateLimitGuard,
  COMMENTS,
  rateLimitOptions,
  WRITES,
  WriteRateLimitGuard,
} from '../../../src/auth/rate-limits';
import { loadConfig } from '../../../src/config/app-config';
import { controllerRoutes } from '../../support/controller-routes';

class SomeController {
  create(): void {}
  other(): void {}
}

interface Sent {
  headers: Record<string, string>;
}

/** What a guard sees of one request: method, client address, and a response to set headers on. */
function request(method: string, ip: string, handler = SomeController.prototype.create) {
  const res = {
    headers: {} as Record<string, string>,
    setHeader(name: string, value: string) {
      this.headers[name] = value;
    },
  };
  const context = {
    getType: () => 'http',
    getClass: () => SomeController,
    getHandler: () => handler,
    switchToHttp: () => ({
      getRequest: () => ({ method, ip, headers: {} }),
      getResponse: () => res,
    }),
  } as unknown as ExecutionContext;
  return { context, res: res as Sent };
}

/** A guard as Nest makes it, on its own storage (its own app instance's memory). */
async function guardOf<T extends AddressRateLimitGuard>(
  Guard: new (...args: ConstructorParameters<typeof WriteRateLimitGuard>) => T,
  env: Record<string, string>,
  storage = new ThrottlerStorageService(),
): Promise<T> {
  const guard = new Guard(rateLimitOptions(loadConfig(env)), storage, new Reflector());
  await guard.onModuleInit();
  return guard;
}

/** The guard's verdict: true (served) or the 429 it threw, with the headers set. */
async function verdict(
  guard: AddressRateLimitGuard,
  method: string,
  ip: string,
  handler?: () => void,
) {
  const { context, res } = request(method, ip, handler);
  try {
    return { served: await guard.canActivate(context), headers: res.headers };
  } catch (error) {
    if (!(error instanceof HttpException)) throw error;
    return { status: error.getStatus(), body: error.getResponse(), headers: res.headers };
  }
}

describe('rate limits (the throttler guards)', () => {
  beforeEach(() => jest.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') }));
  afterEach(() => jest.useRealTimers());

  it('maps RATE_LIMIT_WRITES and RATE_LIMIT_COMMENTS to per-minute sliding windows', () => {
    const options = rateLimitOptions(
      loadConfig({ RATE_LIMIT_WRITES: '7', RATE_LIMIT_COMMENTS: '3' }),
    );
    expect(options).toMatchObject({
      setHeaders: false,
      throttlers: [
        { name: WRITES, limit: 7, ttl: 60_000, blockDuration: 0 },
        { name: COMMENTS, limit: 3, ttl: 60_000, blockDuration: 0 },
      ],
    });
  });

  it('serves RATE_LIMIT_WRITES writes a minute per address, then 429 with Retry-After', async () => {
    const guard = await guardOf(WriteRateLimitGuard, { RATE_LIMIT_WRITES: '3' });
    for (let i = 0; i < 3; i++) {
      expect(await verdict(guard, 'POST', '10.0.0.1')).toEqual({ served: true, headers: {} });
    }
    jest.advanceTimersByTime(20_000);
    const refused = await verdict(guard, 'POST', '10.0.0.1');
    expect(refused).toEqual({
      status: 429,
      body: { statusCode: 429, message: expect.stringContaining('at most 3 a minute') },
      headers: { 'Retry-After': '40' },
    });
    expect((refused.body as { message: string }).message).toContain('try again in 40 s');
    // another address meanwhile: its own budget
    expect(await verdict(guard, 'POST', '10.0.0.2')).toMatchObject({ served: true });
  });

  it('counts every write method, over all routes together; never a read', async () => {
    const guard = await guardOf(WriteRateLimitGuard, { RATE_LIMIT_WRITES: '4' });
    for (const method of ['GET', 'HEAD', 'OPTIONS']) {
      for (let i = 0; i < 10; i++) expect((await verdict(guard, method, 'a')).served).toBe(true);
    }
    expect((await verdict(guard, 'POST', 'a')).served).toBe(true);
    expect((await verdict(guard, 'PUT', 'a', SomeController.prototype.other)).served).toBe(true);
    expect((await verdict(guard, 'PATCH', 'a')).served).toBe(true);
    expect((await verdict(guard, 'DELETE', 'a', SomeController.prototype.other)).served).toBe(true);
    expect((await verdict(guard, 'POST', 'a', SomeController.prototype.other)).status).toBe(429);
    expect((await verdict(guard, 'GET', 'a')).served).toBe(true);
  });

  it('is a sliding window: a refused request is not counted, and the oldest write frees a place', async () => {
    const guard = await guardOf(WriteRateLimitGuard, { RATE_LIMIT_WRITES: '2' });
    await verdict(guard, 'POST', 'a');
    jest.advanceTimersByTime(30_000);
    await verdict(guard, 'POST', 'a');
    for (let i = 0; i < 5; i++) expect((await verdict(guard, 'POST', 'a')).status).toBe(429);
    jest.advanceTimersByTime(30_000);
    expect((await verdict(guard, 'POST', 'a')).served).toBe(true);
    expect((await verdict(guard, 'POST', 'a')).headers).toEqual({ 'Retry-After': '30' });
  });

  it('counts an IPv4 client the same over IPv4 and IPv6-mapped sockets', async () => {
    const guard = await guardOf(WriteRateLimitGuard, { RATE_LIMIT_WRITES: '1' });
    await verdict(guard, 'POST', '10.0.0.1');
    expect((await verdict(guard, 'POST', '::ffff:10.0.0.1')).status).toBe(429);
  });

  it('is off at 0', async () => {
    const guard = await guardOf(WriteRateLimitGuard, { RATE_LIMIT_WRITES: '0' });
    for (let i = 0; i < 500; i++) expect((await verdict(guard, 'POST', 'a')).served).toBe(true);
  });

  it('limits comments with RATE_LIMIT_COMMENTS, apart from the write budget', async () => {
    const storage = new ThrottlerStorageService();
    const env = { RATE_LIMIT_WRITES: '5', RATE_LIMIT_COMMENTS: '2' };
    const writes = await guardOf(WriteRateLimitGuard, env, storage);
    const comments = await guardOf(CommentRateLimitGuard, env, storage);
    // the comment route passes both guards, the global one first
    const comment = async () =>
      (await verdict(writes, 'POST', 'a')).served && verdict(comments, 'POST', 'a');
    expect(await comment()).toMatchObject({ served: true });
    expect(await comment()).toMatchObject({ served: true });
    expect(await comment()).toEqual({
      status: 429,
      body: { statusCode: 429, message: TOO_MANY_COMMENTS_MESSAGE },
      headers: { 'Retry-After': '60' },
    });
    // three writes used (the refused comment passed the write limit), two left
    expect((await verdict(writes, 'POST', 'a')).served).toBe(true);
    expect((await verdict(writes, 'POST', 'a')).served).toBe(true);
    expect((await verdict(writes, 'POST', 'a')).status).toBe(429);
  });

  it('turns the comment limit off at 0 and leaves the write limit on', async () => {
    const env = { RATE_LIMIT_WRITES: '1', RATE_LIMIT_COMMENTS: '0' };
    const comments = await guardOf(CommentRateLimitGuard, env);
    for (let i = 0; i < 50; i++) expect((await verdict(comments, 'POST', 'a')).served).toBe(true);
    const writes = await guardOf(WriteRateLimitGuard, env);
    await verdict(writes, 'POST', 'a');
    expect((await verdict(writes, 'POST', 'a')).status).toBe(429);
  });
});

describe('every write route is under the write limit', () => {
  const routes = controllerRoutes();

  it('finds the write routes (the scan itself works)', () => {
    const writes = routes.filter((r) => r.method !== 'GET').map((r) => r.route);
    expect(writes).toEqual(
      expect.arrayContaining([
        'PostPagesController.create',
        'CommentsController.add',
        'LoginController.login',
        'UsersApiController.create',
      ]),
    );
  });

  it('no route skips or changes a limit (@SkipThrottle, @Throttle): the global guard covers all', () => {
    const overriding = routes.filter((r) =>
      [r.handler, r.controller].some((target) =>
        Reflect.getMetadataKeys(target).some((key) => String(key).startsWith('THROTTLER:')),
      ),
    );
    expect(overriding.map((r) => r.route)).toEqual([]);
  });
});
