import { MigrationPhase } from '../../../src/config/migration-phase';

/** The phases every HTTP e2e suite runs in (extended as each phase's PostStore lands). */
export const E2E_PHASES: MigrationPhase[] = ['mongo'];
