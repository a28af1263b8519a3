import { Logger } from '@nestjs/common';
import { loadConfig } from '../../../src/config/app-config';
import { CurrentPhase } from '../../../src/control/current-phase';
import { BlogMetrics } from '../../../src/metrics/blog-metrics';
import { HintsPendingMetric } from '../../../src/ops/hints-pending.metric';
import { HintLogs } from '../../../src/store/hints/hint-logs';

/** A hint log whose pending() answers what the test says (a number, an error, or never). */
function log(store: string) {
  const answer: { next: () => Promise<number>; reads: number } = {
    next: async () => 0,
    reads: 0,
  };
  return Object.assign(answer, {
    store,
    pending: () => {
      answer.reads++;
      return answer.next();
    },
  });
}

describe('blog_hints_pending (read before each scrape)', () => {
  beforeAll(() => Logger.overrideLogger(false));
  const setup = (phase: 'mongo' | 'dual-write') => {
    const metrics = new BlogMetrics();
    const mongo = log('mongo');
    const cassandra = log('cassandra');
    const current = new CurrentPhase(phase);
    const metric = new HintsPendingMetric(
      metrics,
      new HintLogs(mongo as never, cassandra as never),
      current,
      loadConfig({ HEALTH_CHECK_TIMEOUT_MS: '50' }),
    );
    metric.onModuleInit();
    const pending = async () =>
      Object.fromEntries(
        (await metrics.valuesOf('blog_hints_pending')).map((v) => [v.labels.store, v.value]),
      );
    return { metrics, mongo, cassandra, current, pending };
  };

  it('labels each log by the store its hints are for, and reads it at every scrape', async () => {
    const { metrics, mongo, cassandra, pending } = setup('dual-write');
    mongo.next = async () => 3;
    cassandra.next = async () => 1;
    expect(await metrics.text()).toContain('blog_hints_pending{store="cassandra"} 3');
    expect(await pending()).toEqual({ cassandra: 3, mongo: 1 });
    mongo.next = async () => 0;
    await metrics.text();
    expect(await pending()).toEqual({ cassandra: 0, mongo: 1 });
  });

  it('a failed or slow read keeps the last value; the scrape is not held past the timeout', async () => {
    const { metrics, mongo, pending } = setup('dual-write');
    mongo.next = async () => 2;
    await metrics.text();
    mongo.next = () => Promise.reject(new Error('mongo down'));
    await metrics.text();
    expect((await pending()).cassandra).toBe(2);
    mongo.next = () => new Promise(() => undefined); // never answers
    const started = Date.now();
    await metrics.text();
    expect(Date.now() - started).toBeLessThan(1000);
    expect((await pending()).cassandra).toBe(2);
  });

  it('reads only the logs of the stores the phase uses; scrapes at once share one read', async () => {
    const { metrics, mongo, cassandra, current, pending } = setup('dual-write');
    mongo.next = async () => 1;
    cassandra.next = async () => 4;
    await Promise.all([metrics.text(), metrics.text(), metrics.text()]);
    expect([mongo.reads, cassandra.reads]).toEqual([1, 1]);
    current.set('mongo');
    await metrics.text();
    expect(cassandra.reads).toBe(1);
    expect(await pending()).toEqual({ cassandra: 1 });
  });
});
