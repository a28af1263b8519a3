import { BadRequestException } from '@nestjs/common';
import { ClassConstructor, plainToInstance } from 'class-transformer';
import { getMetadataStorage, ValidationError, validateSync } from 'class-validator';

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

/** At most this many problems are listed in one answer (the first ones, in field order). */
export const MAX_LISTED_PROBLEMS = 10;

/** Keys a body may have beyond its form's fields: room to name a stray field or two. */
export const EXTRA_KEYS = 4;

const declaredFields = new WeakMap<object, ReadonlySet<string>>();

/** The fields a DTO declares (every field has at least one validation decorator). */
function fieldsOf(dto: ClassConstructor<object>): ReadonlySet<string> {
  let fields = declaredFields.get(dto);
  if (fields === undefined) {
    const metadata = getMetadataStorage().getTargetValidationMetadatas(dto, '', true, false);
    fields = new Set(metadata.map((entry) => entry.propertyName));
    declaredFields.set(dto, fields);
  }
  return fields;
}

export const TOO_MANY_KEYS_MESSAGE =
  'This request has more fields than the form; nothing was saved.';

/**
 * Stands in for an object or array sent where every form field is text: it fails each field's
 * type check with that field's own message ("Title must be text.") and costs nothing to
 * transform. No nested value ever reaches class-transformer.
 */
const NOT_TEXT = true;

export interface ScreenedBody {
  /** the DTO's own fields, nested values replaced by NOT_TEXT: all class-transformer sees */
  fields: Record<string, unknown>;
  /** keys the form does not have (refused by name; never transformed) */
  unknown: string[];
}

/**
 * The checks that come before any transform: a body with more keys than its form's fields plus
 * EXTRA_KEYS is refused at once (class-transformer's duplicate-key pass is quadratic in the
 * number of keys); keys the form does not have are set aside here, so names like `__proto__` or
 * `__defineGetter__` never reach class-transformer or the whitelist (which missed the latter);
 * nested values are replaced by NOT_TEXT. The body parsers have already bounded keys and depth
 * (body-limits.ts), so this costs a few dozen steps at most.
 */
export function screenBody(
  dto: ClassConstructor<object>,
  body: Record<string, unknown>,
): ScreenedBody {
  const keys = Object.keys(body);
  const declared = fieldsOf(dto);
  if (keys.length > declared.size + EXTRA_KEYS) {
    throw new InputValidationException({ body: TOO_MANY_KEYS_MESSAGE }, TOO_MANY_KEYS_MESSAGE);
  }
  const known = keys.filter((key) => declared.has(key));
  return {
    fields: Object.fromEntries(
      known.map((key) => {
        const value = body[key];
        // null too: @IsOptional would let it through as "absent", and no field means null
        return [key, typeof value === 'object' ? NOT_TEXT : value];
      }),
    ),
    unknown: keys.filter((key) => !declared.has(key)),
  };
}

function submittedValues(body: Record<string, unknown>): SubmittedValues {
  return Object.fromEntries(
    Object.entries(body).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
  );
}

/**
 * Validates a request body against a DTO with the same rules as the global ValidationPipe
 * (screenBody first, then whitelist, forbidNonWhitelisted, transform), but returns every field's
 * message (at most MAX_LISTED_PROBLEMS) instead of throwing, so a page can re-render its form.
 * Too many keys is not a form to re-render: that throws a 400 at once.
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
  const { fields, unknown } = screenBody(dto, record);
  const value = plainToInstance(dto, fields);
  const problems = validateSync(value, { whitelist: true, forbidNonWhitelisted: true });
  if (problems.length === 0 && unknown.length === 0) return { ok: true, value };
  // entries, not assignments: a key named `__proto__` must stay a key
  const listed: [string, string][] = [
    ...problems.map((problem): [string, string] => [problem.property, messageOf(problem)]),
    ...unknown.map((key): [string, string] => [key, `${key} is not a field of this form.`]),
  ].slice(0, MAX_LISTED_PROBLEMS);
  return { ok: false, errors: Object.fromEntries(listed), values: submittedValues(record) };
}
