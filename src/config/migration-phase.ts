/**
 * The migration phases, in the order the blog moves through them. The phase is the one setting
 * that decides which stores the app connects to and which one is the source of truth.
 *
 * - `mongo`: before the migration. MongoDB only; Cassandra is not connected at all.
 * - `dual-write`: phase 1. Every write goes to both stores; MongoDB is the source of truth and
 *   serves all reads, Cassandra receives a copy (a failed copy is recorded for retry).
 * - `cassandra-primary`: phase 2. Writes still go to both stores, but Cassandra is now the source
 *   of truth and serves reads; MongoDB is kept up to date as a live backup to fall back to.
 * - `cassandra`: phase 3. Cassandra only; MongoDB is no longer connected.
 *
 * The phase changes at runtime with `npm run cli -- phase set` (src/phase); MIGRATION_PHASE is
 * only where a fleet starts before the first `phase set`.
 */
export const MIGRATION_PHASES = ['mongo', 'dual-write', 'cassandra-primary', 'cassandra'] as const;

export type MigrationPhase = (typeof MIGRATION_PHASES)[number];

/** The two data stores the blog knows. */
export type StoreName = 'mongo' | 'cassandra';

export interface StoresUsed {
  mongo: boolean;
  cassandra: boolean;
}

export const NO_STORES: StoresUsed = { mongo: false, cassandra: false };
export const BOTH_STORES: StoresUsed = { mongo: true, cassandra: true };

export function isMigrationPhase(value: unknown): value is MigrationPhase {
  return typeof value === 'string' && (MIGRATION_PHASES as readonly string[]).includes(value);
}

/** Which stores a phase uses; an instance connects a store once a phase needs it. */
export function storesUsedBy(phase: MigrationPhase): StoresUsed {
  switch (phase) {
    case 'mongo':
      return { mongo: true, cassandra: false };
    case 'cassandra':
      return { mongo: false, cassandra: true };
    case 'dual-write':
    case 'cassandra-primary':
      return { mongo: true, cassandra: true };
  }
}

/** The used stores as a list, Mongo first (the order schema commands report them in). */
export function storeNamesUsedBy(phase: MigrationPhase): StoreName[] {
  const used = storesUsedBy(phase);
  return (['mongo', 'cassandra'] as const).filter((store) => used[store]);
}
