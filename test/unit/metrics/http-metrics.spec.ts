import { EventEmitter } from 'node:events';
import { Request, Response } from 'express';
import { BlogMetrics } from '../../../src/metrics/blog-metrics';
import { httpMetrics, methodLabel, routeLabel } from '../../../src/metrics/http-metrics';

const req = (fields: Partial<Request> & { route?: { path?: unknown } }) =>
  ({ baseUrl: '', originalUrl: '/x', method: 'GET', ...fields }) as unknown as Request;

describe('HTTP metrics labels', () => {
  it('labels a request by its route template, never by its URL', () => {
    expect(routeLabel(req({ route: { path: '/post/:id' }, originalUrl: '/post/abc' }))).toBe(
      '/post/:id',
    );
    expect(routeLabel(req({ route: { path: '/:id' }, baseUrl: '/api/posts' }))).toBe(
      '/api/posts/:id',
    );
  });

  it('a request no route answered, or left on a catch-all, is `unmatched`; static files `static`', () => {
    expect(routeLabel(req({ originalUrl: '/wp-admin.php' }))).toBe('unmatched');
    expect(routeLabel(req({ route: { path: '/{*splat}' } }))).toBe('unmatched');
    expect(routeLabel(req({ route: { path: '*' } }))).toBe('unmatched');
    expect(routeLabel(req({ route: { path: /regexp/ } }))).toBe('unmatched');
    expect(routeLabel(req({ originalUrl: '/static/site.css?v=1' }), '/static/')).toBe('static');
    expect(routeLabel(req({ originalUrl: '/static/site.css' }))).toBe('unmatched');
  });

  it('an invented method is `other` (the label set stays bounded)', () => {
    expect(['GET', 'POST', 'DELETE'].map(methodLabel)).toEqual(['GET', 'POST', 'DELETE']);
    expect(methodLabel('BREW')).toBe('other');
  });

  it('counts a request once, when it finished or when its connection closed first', async () => {
    const metrics = new BlogMetrics();
    const middleware = httpMetrics(metrics);
    const run = (status: number) => {
      const res = Object.assign(new EventEmitter(), { statusCode: status }) as unknown as Response;
      const request = req({ route: { path: '/post/:id' } });
      let nexted = false;
      middleware(request, res, () => (nexted = true));
      expect(nexted).toBe(true);
      return res;
    };
    const done = run(500);
    done.emit('finish');
    done.emit('close');
    const aborted = run(200);
    aborted.emit('close');
    const values = await metrics.valuesOf('blog_http_requests_total');
    expect(values.map((v) => [v.labels.route, v.labels.status, v.value])).toEqual([
      ['/post/:id', '500', 1],
      ['/post/:id', 'aborted', 1],
    ]);
  });
});
