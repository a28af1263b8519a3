import { controllerRoutes } from '../../support/controller-routes';

describe('every route decides who may call it', () => {
  const all = controllerRoutes();

  it('finds the controllers (the scan itself works)', () => {
    expect(all.length).toBeGreaterThan(20);
    expect(all.map((r) => r.route)).toContain('PostPagesController.create');
  });

  it('gives every route an access rule (@Access on the handler or its controller)', () => {
    const missing = all.filter(
      (r) => !['public', 'signed-in', 'admin', 'operator', 'metrics'].includes(String(r.rule)),
    );
    expect(missing.map((r) => r.route)).toEqual([]);
  });

  it.each([
    ['PostPagesController.create', 'signed-in'],
    ['PostEditController.edit', 'signed-in'],
    ['PostEditController.delete', 'signed-in'],
    ['CommentsController.add', 'public'],
    ['CommentsController.delete', 'admin'],
    ['AdminUsersController.create', 'admin'],
    ['UsersApiController.create', 'admin'],
    ['AccountController.changePassword', 'signed-in'],
    ['LoginController.login', 'public'],
    ['HealthController.status', 'public'],
    ['HealthController.details', 'operator'],
    ['StatsController.report', 'public'],
    ['StatsController.reportDetails', 'operator'],
    ['MetricsController.scrape', 'metrics'],
  ])('%s is %s', (route, rule) => {
    expect(all.find((r) => r.route === route)?.rule).toBe(rule);
  });
});
