import {
  MIGRATION_PHASES,
  isMigrationPhase,
  storeNamesUsedBy,
  storesUsedBy,
} from '../../../src/config/migration-phase';

describe('migration phases', () => {
  it('lists the phases in migration order', () => {
    expect(MIGRATION_PHASES).toEqual(['mongo', 'dual-write', 'cassandra-primary', 'cassandra']);
  });

  it.each([
    ['mongo', { mongo: true, cassandra: false }, ['mongo']],
    ['dual-write', { mongo: true, cassandra: true }, ['mongo', 'cassandra']],
    ['cassandra-primary', { mongo: true, cassandra: true }, ['mongo', 'cassandra']],
    ['cassandra', { mongo: false, cassandra: true }, ['cassandra']],
  ] as const)('%s uses %j', (phase, stores, names) => {
    expect(storesUsedBy(phase)).toEqual(stores);
    expect(storeNamesUsedBy(phase)).toEqual(names);
  });

  it('recognises only the four phases', () => {
    expect(isMigrationPhase('dual-write')).toBe(true);
    expect(isMigrationPhase('Dual-Write')).toBe(false);
    expect(isMigrationPhase(undefined)).toBe(false);
  });
});
