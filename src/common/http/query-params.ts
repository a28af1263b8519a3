import { InputValidationException } from '../validation/input-validation';

/** What a tampered, outdated or foreign page cursor gets (as `cursor`'s message). */
export const BAD_CURSOR_MESSAGE =
  'This page link is invalid or has expired; start again from page one.';

/** A 400 naming the query parameter, as JSON `{ message, errors: { name: message } }` or a page. */
export function badParameter(name: string, message: string): InputValidationException {
  return new InputValidationException({ [name]: message }, message);
}

/**
 * A query parameter that may appear at most once. `?cursor=a&cursor=b` arrives as an array,
 * which is a client error rather than something to guess about. An empty value counts as absent.
 */
export function optionalParam(query: Record<string, unknown>, name: string): string | undefined {
  const value = query[name];
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') throw badParameter(name, `${name} must be given once, as text.`);
  return value;
}
