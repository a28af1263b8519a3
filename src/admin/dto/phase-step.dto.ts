import { IsIn, IsOptional } from 'class-validator';
import { MIGRATION_PHASES } from '../../config/migration-phase';

const PHASE_MESSAGE = `Phase must be one of ${MIGRATION_PHASES.join(', ')}.`;

/** The dashboard's phase forms: the step's target and (on the confirmation) the phase it left. */
export class PhaseStepDto {
  @IsIn(MIGRATION_PHASES, { message: PHASE_MESSAGE })
  target!: string;

  /** the phase the confirmation page showed: a step confirmed after the phase moved is refused */
  @IsOptional()
  @IsIn(MIGRATION_PHASES, { message: PHASE_MESSAGE })
  from?: string;
}
