import { NestExpressApplication } from '@nestjs/platform-express';
import { AppConfig, loadConfig } from '../../../src/config/app-config';
import { BlogMetrics } from '../../../src/metrics/blog-metrics';
import { ShadowLedger } from '../../../src/shadow/shadow-ledger';
import { ShadowSampler } from '../../../src/shadow/shadow-sampler';
import { DualWritePostStore } from '../../../src/store/dual-write/dual-write-post-store';
import { PostStoreRouter } from '../../../src/store/post-store.router';
import { testEnv } from '../../support/test-env';
import { createTestApp } from '../helpers/app';
import { BlogClient } from '../helpers/blog-client';
import { dropTestStores } from '../helpers/stores';

/** How long edits and comments race the sampled reads. */
const RACE_MS = 6000;

/**
 * Writes racing sampled reads: at SHADOW_READ_RATE=1, posts edited back to back and commented
 * on while their pages and the listing are read. Many first looks differ (a copy still in
 * flight, or a page read before the edit answered); the recheck must let none of them through.
 */
describe.each(['dual-write', 'cassandra-primary'] as const)(
  'shadow reads racing writes (real servers, %s)',
  (phase) => {
    let config: AppConfig;
    let app: NestExpressApplication;
    let blog: BlogClient;

    beforeAll(async () => {
      config = loadConfig(
        testEnv(`shadow_race_${phase.replace('-', '_')}`, {
          MIGRATION_PHASE: phase,
          SHADOW_READ_RATE: '1',
          // a copy queued behind FerretDB's per-post lock may take seconds on a busy machine:
          // a hinted copy would be a real (if short-lived) difference, not what is tested here
          SECONDARY_WRITE_TIMEOUT_MS: '60000',
        }),
      );
      app = await createTestApp(config);
      blog = await BlogClient.of(app);
    });
    afterAll(async () => {
      await app?.close();
      await dropTestStores(config);
    });

    it('confirms no mismatch', async () => {
      const ids = [await blog.createdId('Race one'), await blog.createdId('Race two')];
      const until = Date.now() + RACE_MS;
      let edits = 0;
      let reads = 0;
      const editor = async (id: string) => {
        for (let i = 0; Date.now() < until; i++) {
          await blog
            .edit(id, { title: `Race ${id.slice(-4)} ${i}`, content: `edit ${i}` })
            .expect(200);
          if (i % 3 === 0) {
            await blog
              .comment(id, { commenter: 'Racer', comment: `while editing ${i}` })
              .expect(201);
          }
          edits++;
        }
      };
      const reader = async (id: string) => {
        while (Date.now() < until) {
          await blog.get(`/api/posts/${id}`).expect(200);
          await blog.get('/').expect(200);
          reads++;
        }
      };
      await Promise.all([...ids.map(editor), ...ids.map(reader), ...ids.map(reader)]);
      const dual = app.get(PostStoreRouter).storeFor(phase) as DualWritePostStore;
      await dual.drain();
      await app.get(ShadowSampler).drain();

      const metric = await app.get(BlogMetrics).shadowReads.get();
      const counts = Object.fromEntries(
        metric.values.map((v) => [`${v.labels.kind}:${v.labels.result}`, v.value]),
      );
      expect(edits).toBeGreaterThan(5);
      expect(reads).toBeGreaterThan(5);
      expect(counts['post:match']).toBeGreaterThan(reads);
      expect(counts['comment:match']).toBeGreaterThan(0);
      // the race did happen: first looks differed, and their rechecks found writes in flight
      expect(app.get(ShadowSampler).counters.rechecked).toBeGreaterThan(0);
      expect(counts['post:mismatch'] ?? 0).toBe(0);
      expect(counts['comment:mismatch'] ?? 0).toBe(0);
      expect(counts['post:error'] ?? 0).toBe(0);
      expect(await app.get(ShadowLedger).openMismatches()).toEqual([]);
    }, 120_000);
  },
);
