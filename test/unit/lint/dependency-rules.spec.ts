import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '../../..');
const DEPCRUISE = join(ROOT, 'node_modules/.bin/depcruise');

/**
 * Runs the lint's dependency check (`npm run lint:deps`, the same command and config) on a copy
 * of src/ changed by `edit`; its exit status and what it printed.
 */
function cruise(edit: (src: string) => void): { status: number | null; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'depcruise-'));
  try {
    cpSync(join(ROOT, 'src'), join(dir, 'src'), { recursive: true });
    for (const file of ['tsconfig.json', '.dependency-cruiser.cjs']) {
      cpSync(join(ROOT, file), join(dir, file));
    }
    edit(join(dir, 'src'));
    const run = spawnSync(DEPCRUISE, ['src', '--config', '.dependency-cruiser.cjs'], {
      cwd: dir,
      encoding: 'utf8',
    });
    return { status: run.status, output: run.stdout + run.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const importLine = (what: string) => `\nexport { ${what} };\n`;

describe('npm run lint: dependencies between folders run one way', () => {
  it('passes on the code as it is', () => {
    const { status, output } = cruise(() => undefined);
    expect(output).toContain('no dependency violations found');
    expect(status).toBe(0);
  }, 30_000);

  it('fails on a cycle between folders, an upward import and posts depending on comments', () => {
    const { status, output } = cruise((src) => {
      // home already imports posts: posts importing home closes a cycle (both are features)
      appendFileSync(
        join(src, 'posts/posts.service.ts'),
        `import { homeView } from '../home/home-view';${importLine('homeView')}`,
      );
      // common imports nothing of ours
      appendFileSync(
        join(src, 'common/sleep.ts'),
        `import { newId } from '../store/versions';${importLine('newId')}`,
      );
      // comments build on posts, never the other way
      appendFileSync(
        join(src, 'posts/post-views.ts'),
        `import { threadView } from './comments/thread-views';${importLine('threadView')}`,
      );
    });
    expect(status).not.toBe(0);
    expect(output).toMatch(/error no-folder-cycles: src\/posts → \s*src\/home →\s*src\/posts\n/);
    expect(output).toContain('error layers: src/common/sleep.ts → src/store/versions.ts');
    expect(output).toContain(
      'error posts-before-comments: src/posts/post-views.ts → src/posts/comments/thread-views.ts',
    );
  }, 30_000);
});
