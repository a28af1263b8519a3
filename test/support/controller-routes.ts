import 'reflect-metadata';
import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ACCESS_RULE } from '../../src/auth/access';

const SRC = join(__dirname, '..', '..', 'src');

function controllerFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return controllerFiles(path);
    return name.endsWith('.controller.ts') ? [path] : [];
  });
}

export interface ControllerRoute {
  /** `Controller.handler` */
  route: string;
  /** GET, POST, … */
  method: string;
  /** `/admin/users/:username/role` */
  path: string;
  /** the access rule it ends up with (the handler's, else its controller's) */
  rule: unknown;
  controller: abstract new (...args: never[]) => unknown;
  handler: (...args: never[]) => unknown;
}

function joinPath(...parts: unknown[]): string {
  const path = parts
    .map((part) => String(part ?? '').replace(/^\/+|\/+$/g, ''))
    .filter(Boolean)
    .join('/');
  return `/${path}`;
}

/** Every handler of every controller class in src/, found by scanning the files at run time. */
export function controllerRoutes(): ControllerRoute[] {
  const found: ControllerRoute[] = [];
  for (const file of controllerFiles(SRC)) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- every controller file, found at run time
    for (const exported of Object.values(require(file) as Record<string, unknown>)) {
      if (typeof exported !== 'function') continue;
      const base: unknown = Reflect.getMetadata(PATH_METADATA, exported);
      if (base === undefined) continue;
      const proto = exported.prototype as Record<string, unknown>;
      for (const name of Object.getOwnPropertyNames(proto)) {
        const handler = proto[name];
        if (typeof handler !== 'function' || name === 'constructor') continue;
        const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        if (method === undefined) continue;
        found.push({
          route: `${exported.name}.${name}`,
          method: RequestMethod[method],
          path: joinPath(base, Reflect.getMetadata(PATH_METADATA, handler)),
          rule:
            Reflect.getMetadata(ACCESS_RULE, handler) ?? Reflect.getMetadata(ACCESS_RULE, exported),
          controller: exported as ControllerRoute['controller'],
          handler: handler as ControllerRoute['handler'],
        });
      }
    }
  }
  return found;
}
