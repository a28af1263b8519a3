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
 * The phase changes at runtime with `phase set` (src/phase); MIGRATION_PHASE is only where a
 * fleet starts before the first `phase set`.
 */
export const MIGRATION_PHASES = ['mongo', 'dual-write', 'cassandra-primary', 'cassandra'] as const;

export type MigrationPhase = (typeof MIGRATION_PHASES)[number];

/** The two data stores the blog knows. */
export type StoreName = 'mongo' | 'cassandra';

export const STORE_NAMES: readonly StoreName[] = ['mongo', 'cassandra'];

/** The store that is not `store`. */
export function otherStore(store: StoreName): StoreName {
  return store === 'mongo' ? 'cassandra' : 'mongo';
}

/**
 * What a phase does with the stores: the one mapping from a phase to its stores. Everything
 * that needs to know which store decides, which one receives copies and where missed copies are
 * kept asks `phasePlan`.
 */
export interface PhasePlan {
  phase: MigrationPhase;
  /** the source of truth: it serves reads and its answer decides every write */
  primary: StoreName;
  /** dual-write phases: the store every write is copied to after the primary took it */
  secondary?: StoreName;
  /** dual-write phases: where the copies the secondary missed are kept (always the primary) */
  hintLog?: StoreName;
  /** every store the phase uses, MongoDB first (the order the schema commands report in) */
  stores: StoreName[];
}

const PLANS: Record<MigrationPhase, PhasePlan> = {
  mongo: { phase: 'mongo', primary: 'mongo', stores: ['mongo'] },
  'dual-write': {
    phase: 'dual-write',
    primary: 'mongo',
    secondary: 'cassandra',
    hintLog: 'mongo',
    stores: ['mongo', 'cassandra'],
  },
  'cassandra-primary': {
    phase: 'cassandra-primary',
    primary: 'cassandra',
    secondary: 'mongo',
    hintLog: 'cassandra',
    stores: ['mongo', 'cassandra'],
  },
  cassandra: { phase: 'cassandra', primary: 'cassandra', stores: ['cassandra'] },
};

export function phasePlan(phase: MigrationPhase): PhasePlan {
  return PLANS[phase];
}

/** The phases that write both stores (and keep hints of the copies the secondary missed). */
export const DUAL_PHASES: readonly MigrationPhase[] = MIGRATION_PHASES.filter(
  (phase) => phasePlan(phase).secondary !== undefined,
);

/** The phases in which every write reaches `store` (as primary or as secondary). */
export function phasesWriting(store: StoreName): MigrationPhase[] {
  return MIGRATION_PHASES.filter((phase) => phasePlan(phase).stores.includes(store));
}

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
  const { stores } = phasePlan(phase);
  return { mongo: stores.includes('mongo'), cassandra: stores.includes('cassandra') };
}

/** The used stores as a list, Mongo first (the order schema commands report them in). */
export function storeNamesUsedBy(phase: MigrationPhase): StoreName[] {
  return [...phasePlan(phase).stores];
}

/** The phases one `phase set` can move to from `from`: one step forward or back. */
export function nextPhases(from: MigrationPhase): MigrationPhase[] {
  const at = MIGRATION_PHASES.indexOf(from);
  return MIGRATION_PHASES.filter((_, index) => Math.abs(index - at) === 1);
}

/**
 * The stores every record after one for `phase` is written to: those `phase` and each phase next
 * to it use. One store each — MongoDB for `mongo` and `dual-write`, Cassandra for
 * `cassandra-primary` and `cassandra` — so an instance only needs that store to follow the fleet,
 * and the other one being slow or gone cannot block it.
 */
export function recordStoresOf(phase: MigrationPhase): StoreName[] {
  return storeNamesUsedBy(phase).filter((store) =>
    nextPhases(phase).every((next) => storeNamesUsedBy(next).includes(store)),
  );
}
