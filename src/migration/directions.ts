import { MigrationPhase, otherStore, phasePlan, StoreName } from '../config/migration-phase';
import { Replica } from '../store/replica';
import { Replicas } from '../store/replicas';

/** Which way records flow: from a source of truth to the other store. */
export interface Direction {
  source: Replica;
  target: Replica;
}

/** From `source` to the other store. */
export function from(replicas: Replicas, source: StoreName): Direction {
  return { source: replicas.get(source), target: replicas.get(otherStore(source)) };
}

/** The phase's source of truth (its primary) and the other store. */
export function directionOf(replicas: Replicas, phase: MigrationPhase): Direction {
  return from(replicas, phasePlan(phase).primary);
}
