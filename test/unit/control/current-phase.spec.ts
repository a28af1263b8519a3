import { CurrentPhase } from '../../../src/control/current-phase';
import { BlogMetrics } from '../../../src/metrics/blog-metrics';

describe('CurrentPhase tells who listens about every phase served', () => {
  it('the first one and each change: blog_migration_phase follows', async () => {
    const metrics = new BlogMetrics();
    const served = async () =>
      (await metrics.valuesOf('blog_migration_phase'))
        .filter((v) => v.value === 1)
        .map((v) => v.labels.phase);
    expect(await served()).toEqual([]);
    const phase = new CurrentPhase('dual-write', (p) => metrics.setPhase(p));
    expect(await served()).toEqual(['dual-write']);
    phase.set('cassandra-primary');
    expect(await served()).toEqual(['cassandra-primary']);
    expect(await metrics.valuesOf('blog_migration_phase')).toHaveLength(4);
  });
});
