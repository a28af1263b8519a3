import 'reflect-metadata';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ACCESS_RULE } from '../../../src/auth/access';

const SRC = join(__dirname, '..', '..', '..', 'src');

function controllerFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return controllerFiles(path);
    return name.endsWith('.controller.ts') ? [path] : [];
  });
}

type Routes = Array<{ route: string; rule: unknown }>;

/** Every handler of every controller class in src/, with the access rule it ends up with. */
function routes(): Routes {
  const found: Routes = [];
  for (const file of controllerFiles(SRC)) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- every controller file, found at run time
    for (const exported of Object.values(require(file) as Record<string, unknown>)) {
      if (typeof exported !== 'function') continue;
      if (Reflect.getMetadata(PATH_METADATA, exported) === undefined) continue;
      const proto = exported.prototype as Record<string, unknown>;
      for (const name of Object.getOwnPropertyNames(proto)) {
        const handler = proto[name];
        if (typeof handler !== 'function' || name === 'constructor') continue;
        if (Reflect.getMetadata(METHOD_METADATA, handler) === undefined) continue;
        found.push({
          route: `${exported.name}.${name}`,
          rule:
            Reflect.getMetadata(ACCESS_RULE, handler) ?? Reflect.getMetadata(ACCESS_RULE, exported),
        });
      }
    }
  }
  return found;
}

describe('every route decides who may call it', () => {
  const all = routes();

  it('finds the controllers (the scan itself works)', () => {
    expect(all.length).toBeGreaterThan(20);
    expect(all.map((r) => r.route)).toContain('PostPagesController.create');
  });

  it('gives every route an access rule (@Access on the handler or its controller)', () => {
    const missing = all.filter(
      (r) => !['public', 'signed-in', 'admin', 'operator'].includes(String(r.rule)),
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
  ])('%s is %s', (route, rule) => {
    expect(all.find((r) => r.route === route)?.rule).toBe(rule);
  });
});
