import { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { AppConfig, loadConfig } from '../../../src/config/app-config';
import { ShadowLedger } from '../../../src/shadow/shadow-ledger';
import { ShadowSampler } from '../../../src/shadow/shadow-sampler';
import { testEnv } from '../../support/test-env';
import { createTestApp } from '../helpers/app';
import { BlogClient } from '../helpers/blog-client';
import { cli, cliEnvOf } from '../helpers/migration';
import { dropTestStores, withCassandra } from '../helpers/stores';

/** A story of several CLI runs (each 5-10 s to start on a busy machine). */
const STORY_MS = 400_000;

/**
 * Shadow reads on real servers, in dual-write at SHADOW_READ_RATE=1: a post and a comment
 * tampered with in Cassandra (the secondary) are found by reading their pages, confirmed,
 * counted and recorded; `phase set cassandra-primary` is refused naming them; after
 * `migrate reconcile` new samples match, the mismatches close and the gate opens.
 */
/** Lets the test read `GET /metrics` on the public port as Prometheus would. */
const METRICS_TOKEN = 'shadow-reads-metrics-token-0123456789abcdef';

describe('shadow reads (real servers, dual-write, SHADOW_READ_RATE=1)', () => {
  let config: AppConfig;
  let app: NestExpressApplication;
  let blog: BlogClient;
  let env: Record<string, string>;

  beforeAll(async () => {
    config = loadConfig(
      testEnv('shadow_reads', {
        MIGRATION_PHASE: 'dual-write',
        SHADOW_READ_RATE: '1',
        SHADOW_RECHECK_DELAY: '500ms',
        SHADOW_MIN_SAMPLES: '10',
        METRICS_TOKEN,
        HINT_RETRY_INTERVAL: '0',
        RECONCILE_INTERVAL: '0',
      }),
    );
    app = await createTestApp(config);
    blog = await BlogClient.of(app);
    env = { ...cliEnvOf(config), SHADOW_MIN_SAMPLES: '10', SHADOW_WINDOW: '1h' };
  });
  afterAll(async () => {
    await app?.close();
    await dropTestStores(config);
  });

  const sampler = () => app.get(ShadowSampler);
  const ledger = () => app.get(ShadowLedger);

  /** Each shadow result count by kind, e.g. `post:match`, as `GET /metrics` serves them. */
  async function shadowCounts(): Promise<Record<string, number>> {
    const { text } = await request(app.getHttpServer())
      .get('/metrics')
      .set('Authorization', `Bearer ${METRICS_TOKEN}`)
      .expect(200);
    const counts: Record<string, number> = {};
    for (const [, kind, result, value] of text.matchAll(
      /^blog_shadow_reads_total\{kind="([^"]+)",result="([^"]+)"\} (\S+)$/gm,
    )) {
      counts[`${kind}:${result}`] = Number(value);
    }
    return counts;
  }

  async function readPages(ids: string[]): Promise<void> {
    for (const id of ids) {
      await blog.get(`/post/${id}`).expect(200);
      await blog.get(`/api/posts/${id}`).expect(200);
    }
    await sampler().drain();
  }

  async function succeeds(...args: string[]) {
    const run = await cli(env, ...args);
    if (run.status !== 0) throw new Error(`${args.join(' ')} failed: ${run.stdout}${run.stderr}`);
    return run;
  }

  it(
    'confirms the tampered post and comment, refuses the gate naming them, closes them once repaired',
    async () => {
      const ids = [
        await blog.createdId('Shadow one'),
        await blog.createdId('Shadow two'),
        await blog.createdId('Shadow three'),
      ];
      const commentIds: string[] = [];
      for (const [index, id] of ids.entries()) {
        const created = await blog
          .comment(id, { commenter: 'Reader', comment: `comment on ${index}` })
          .expect(201);
        commentIds.push((created.body as { id: string }).id);
      }
      await succeeds('migrate', 'backfill');

      // untouched: every sample matches
      await readPages(ids);
      const clean = await shadowCounts();
      expect(clean['post:match']).toBeGreaterThan(0);
      expect(clean['comment:match']).toBeGreaterThan(0);
      expect(clean['post:mismatch'] ?? 0).toBe(0);
      expect(clean['comment:mismatch'] ?? 0).toBe(0);

      // tamper with the second post and the third post's comment in Cassandra only
      const [, post, other] = ids;
      const comment = commentIds[2];
      await withCassandra(config, async (client) => {
        const ks = config.cassandraKeyspace;
        const once = { prepare: true };
        await client.execute(
          `UPDATE ${ks}.posts_by_id SET content = 'tampered in cassandra' WHERE id = ?`,
          [post],
          once,
        );
        const row = (
          await client.execute(
            `SELECT post_id, created_at FROM ${ks}.comments_by_id WHERE id = ?`,
            [comment],
            once,
          )
        ).first();
        await client.execute(
          `UPDATE ${ks}.comments_by_id SET comment = 'tampered' WHERE id = ?`,
          [comment],
          once,
        );
        await client.execute(
          `UPDATE ${ks}.comments_by_post SET comment = 'tampered' WHERE post_id = ? AND created_at = ? AND id = ?`,
          [row.get('post_id'), row.get('created_at'), comment],
          once,
        );
      });

      await readPages(ids);
      const after = await shadowCounts();
      expect(after['post:mismatch']).toBeGreaterThan(0);
      expect(after['comment:mismatch']).toBeGreaterThan(0);
      const open = await ledger().openMismatches();
      expect(open.map((m) => m.key).sort()).toEqual([`comment:${comment}`, `post:${post}`].sort());
      expect(open.find((m) => m.kind === 'post')?.fields).toEqual(['content']);
      expect(open.find((m) => m.kind === 'comment')?.fields).toEqual(['comment']);
      expect(other).not.toBe(post);

      // the gate, from another process: refused, naming both records
      await ledger().flush();
      const refused = await cli(env, 'phase', 'set', 'cassandra-primary');
      expect(refused.status).toBe(1);
      const line = refused.stderr.trim().split('\n').pop() ?? '';
      expect(line).toMatch(/^error: phase set cassandra-primary refused \(/);
      expect(line).toMatch(/shadow mismatches: 2 open: /);
      expect(line).toContain(`post ${post} (content)`);
      expect(line).toContain(`comment ${comment} (comment)`);

      // repaired: new samples match and close them
      await succeeds('migrate', 'reconcile');
      await readPages(ids);
      expect(await ledger().openMismatches()).toEqual([]);
      const repaired = await shadowCounts();
      expect(repaired['post:mismatch']).toBe(after['post:mismatch']);
      expect(repaired['comment:mismatch']).toBe(after['comment:mismatch']);
      expect(repaired['post:match']).toBeGreaterThan(after['post:match']);

      await ledger().flush();
      const samples = await ledger().samplesSince(new Date(Date.now() - 3_600_000));
      expect(samples.compared).toBeGreaterThanOrEqual(10);
      const set = await succeeds('phase', 'set', 'cassandra-primary');
      expect(set.stderr).toMatch(/ok {3}shadow mismatches: no open shadow-read mismatch/);
      expect(set.stderr).toMatch(/ok {3}shadow samples: \d+ compared in the last 1h/);
    },
    STORY_MS,
  );
});
