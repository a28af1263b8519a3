import { NotFoundException } from '@nestjs/common';
import { BadInputError, ConflictError } from '../common/errors/service-errors';

/** No account has this username (or id): 404 on a page, one line in the CLI. */
export class AccountNotFoundException extends NotFoundException {
  constructor(username: string) {
    super({ statusCode: 404, message: `There is no account named ${username}.` });
  }
}

/** An account field broke a rule (account-rules.ts): 400 naming the field, nothing changed. */
export class AccountInputError extends BadInputError {}

/** The change would leave the blog without an enabled admin: 409, nothing changed. */
export class LastAdminError extends ConflictError {
  constructor() {
    super('This is the last enabled admin; make another account admin first. Nothing changed.');
    this.name = 'LastAdminError';
  }
}

/** The account kept changing while we retried (another admin at the same moment): 409. */
export class AccountChangedError extends ConflictError {
  constructor() {
    super('The account kept changing while it was being saved; nothing changed. Try again.');
    this.name = 'AccountChangedError';
  }
}
