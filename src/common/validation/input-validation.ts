import { BadRequestException } from '@nestjs/common';
import { ClassConstructor, plainToInstance } from 'class-transformer';
import { ValidationError, validateSync } from 'class-validator';

/** One message per field, keyed by the field's name: what a form shows next to each input. */
export type FieldErrors = Record<string, string>;

/** What the client sent, strings only: a form re-rendered after an error shows exactly this. */
export type SubmittedValues = Record<string, string>;

export type FormInput<T> =
  { ok: true; value: T } | { ok: false; errors: FieldErrors; values: SubmittedValues };

export const INVALID_INPUT_MESSAGE = 'Some fields are not valid; nothing was saved.';

/**
 * A 400 that keeps the message of every field, so JSON clients get
 * `{ statusCode, message, errors: { field: message } }`.
 */
export class InputValidationException extends BadRequestException {
  constructor(
    readonly errors: FieldErrors,
    message: string = INVALID_INPUT_MESSAGE,
  ) {
    super({ statusCode: 400, message, errors });
  }
}

// The type check speaks first: "must be text" says more than "must be 1 to 200 characters".
const CONSTRAINT_PRIORITY = ['whitelistValidation', 'isString'];

function messageOf(error: ValidationError): string {
  const constraints = error.constraints ?? {};
  if (constraints.whitelistValidation) return `${error.property} is not a field of this form.`;
  const key =
    CONSTRAINT_PRIORITY.find((name) => name in constraints) ?? Object.keys(constraints)[0];
  return key ? constraints[key] : `${error.property} is not valid.`;
}

function submittedValues(body: Record<string, unknown>): SubmittedValues {
  return Object.fromEntries(
    Object.entries(body).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
  );
}

/**
 * Validates a request body against a DTO with the same rules as the global ValidationPipe
 * (whitelist, forbidNonWhitelisted, transform), but returns every field's message instead of
 * throwing, so a page can re-render its form.
 */
export function validateInput<T extends object>(
  dto: ClassConstructor<T>,
  body: unknown,
): FormInput<T> {
  const plain = body ?? {};
  if (typeof plain !== 'object' || Array.isArray(plain)) {
    return { ok: false, errors: { body: 'Expected an object of fields.' }, values: {} };
  }
  const record = plain as Record<string, unknown>;
  const value = plainToInstance(dto, record);
  const problems = validateSync(value, { whitelist: true, forbidNonWhitelisted: true });
  if (problems.length === 0) return { ok: true, value };
  const errors: FieldErrors = {};
  for (const problem of problems) errors[problem.property] = messageOf(problem);
  return { ok: false, errors, values: submittedValues(record) };
}
