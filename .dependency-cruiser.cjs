/**
 * The one-way shape of src/ (docs/architecture.md), checked by `npm run lint` (lint:deps):
 *
 * - no import cycle between folders (a folder owns one concern; files of one folder, with its
 *   subfolders, may use each other freely);
 * - layers, top to bottom: a folder imports only from its own layer or those below it;
 * - posts never depend on their comments (comments build on posts).
 *
 * test/unit/lint/dependency-rules.spec.ts introduces a cycle, an upward import and a posts →
 * comments import on purpose and shows that each fails.
 * @type {import('dependency-cruiser').IConfiguration}
 */
const LAYERS = [
  ['entry points', '^src/[^/]+\\.ts$'],
  ['features', '^src/(posts|home|stats|health|ops|admin)/'],
  // who a request acts for (middleware, guard, CSRF, sign-in pages) over the accounts feature
  ['auth', '^src/auth/'],
  ['accounts', '^src/accounts/'],
  ['operations', '^src/(phase|mongo-backup)/'],
  ['migration engine', '^src/migration/'],
  // samples live reads against the secondary; the gates ask it for open mismatches
  ['shadow reads', '^src/shadow/'],
  ['schema migrations', '^src/schema/'],
  ['stores', '^src/store/'],
  ['control plane', '^src/control/'],
  // who did what: written by operations, the engine, accounts and moderation alike
  ['audit trail', '^src/audit/'],
  ['record kinds and connections', '^src/(kinds|database)/'],
  ['cli helpers', '^src/cli/'],
  // counted by every layer above
  ['metrics', '^src/metrics/'],
  ['config', '^src/config/'],
  ['common', '^src/common/'],
];

const layerRules = LAYERS.flatMap(([name, path], below) =>
  LAYERS.slice(0, below).map(([above, abovePath]) => ({
    name: 'layers',
    comment: `${name} (${path}) must not import ${above} (${abovePath}): dependencies run downwards`,
    severity: 'error',
    from: { path },
    to: { path: abovePath },
  })),
);

module.exports = {
  forbidden: [
    {
      name: 'no-folder-cycles',
      comment: 'Folders of src/ import each other one way only.',
      severity: 'error',
      scope: 'folder',
      from: { path: '^src/' },
      to: { circular: true },
    },
    ...layerRules,
    {
      name: 'posts-before-comments',
      comment: 'Comments build on posts; posts never depend on their comments.',
      severity: 'error',
      from: { path: '^src/posts/[^/]+$' },
      to: { path: '^src/posts/comments/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.spec\\.ts$' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
