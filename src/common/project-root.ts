import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The folder holding package.json, found by walking up from this file. The same code runs from
 * src/ (ts-node, ts-jest) and from dist/src/ (node), so paths like views/ and migrations/ can't be
 * relative to __dirname.
 */
export function projectRoot(start: string = __dirname): string {
  let dir = start;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) {
      throw new Error(`no package.json found above ${start}`);
    }
    dir = parent;
  }
  return dir;
}
