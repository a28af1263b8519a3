import { HttpException, Injectable } from '@nestjs/common';
import { AuditTrail } from '../audit/audit-trail';
import { audited } from '../audit/audited';
import { BadInputError, ConflictError } from '../common/errors/service-errors';

/** A change the rules turned down (bad input, taken name, last admin, no such account). */
function isRefusal(error: unknown): boolean {
  return (
    error instanceof BadInputError ||
    error instanceof ConflictError ||
    (error instanceof HttpException && error.getStatus() < 500)
  );
}

/**
 * Account changes in the audit trail, from the CLI (`user ...`), /admin/users, /account and
 * POST /api/users alike: `account.<action>` on the username, with what changed. Never a
 * password, a hash or a token value: a token is named by its id only.
 */
@Injectable()
export class AccountAudit {
  constructor(private readonly trail: AuditTrail) {}

  run<T>(
    actor: string,
    action: string,
    target: string,
    work: () => Promise<T>,
    details: (result: T) => Record<string, unknown> = () => ({}),
    /** a result that means nothing changed (a token that did not exist) */
    refusedResult: (result: T) => boolean = () => false,
  ): Promise<T> {
    return audited(
      this.trail,
      {
        actor,
        action: `account.${action}`,
        target,
        details,
        refused: isRefusal,
        outcome: (result) => (refusedResult(result) ? 'refused' : 'ok'),
      },
      work,
    );
  }
}
