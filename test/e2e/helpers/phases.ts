import { MIGRATION_PHASES, MigrationPhase } from '../../../src/config/migration-phase';

/** The phases every HTTP e2e suite runs in: all of them. */
export const E2E_PHASES: MigrationPhase[] = [...MIGRATION_PHASES];
