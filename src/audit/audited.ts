import { reasonOf } from '../common/with-timeout';
import { AuditOutcome } from './audit-entry';
import { AuditTrail } from './audit-trail';

export interface AuditedAction<T> {
  actor: string;
  action: string;
  target?: string;
  /** what the trail keeps of the result (counts, never secrets) */
  details: (result: T) => Record<string, unknown>;
  /** the outcome of a result (default ok) */
  outcome?: (result: T) => AuditOutcome;
  /** an error that means "refused, nothing changed" rather than "failed" */
  refused?: (error: unknown) => boolean;
}

/**
 * Runs `work` and records it in the trail whatever came of it: the result's details when it
 * ran, the reason when it threw (then rethrown as it was).
 */
export async function audited<T>(
  trail: AuditTrail,
  action: AuditedAction<T>,
  work: () => Promise<T>,
): Promise<T> {
  const { actor, target } = action;
  let result: T;
  try {
    result = await work();
  } catch (error) {
    await trail.record({
      actor,
      action: action.action,
      target,
      outcome: action.refused?.(error) ? 'refused' : 'failed',
      details: { reason: reasonOf(error) },
    });
    throw error;
  }
  await trail.record({
    actor,
    action: action.action,
    target,
    outcome: action.outcome?.(result) ?? 'ok',
    details: action.details(result),
  });
  return result;
}
