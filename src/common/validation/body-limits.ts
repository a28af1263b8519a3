/*
 * Limits every request body meets while it is parsed, before any route sees it. They are coarse
 * on purpose (one set for every form); each form's own, tighter bound is in input-validation.ts.
 *
 * Size. The largest valid form is a post: a title of 200 characters and content of 50 000.
 * class-validator counts an astral character (an emoji) as one, and it is the costliest to send:
 * 4 bytes of UTF-8 become 12 bytes either way, %F0%9F%98%80 in a form or \ud83d\ude00 in JSON
 * (a CRLF line break, 6 bytes as %0D%0A, is cheaper). So:
 *   (200 + 50 000) × 12 = 602 400 bytes of field values
 *   + names, separators, `_csrf` (≈ 90), `version` (≤ 16 digits): under 1 000 bytes
 *   ≈ 603 400 bytes, rounded up to 640 KiB (655 360): every valid post fits, with ~8% to spare.
 * HTTP_BODY_LIMIT changes it; a larger body is refused with 413 before it is read.
 */

/** The default of HTTP_BODY_LIMIT: the largest valid form, worst-case encoded (above). */
export const DEFAULT_BODY_LIMIT = 640 * 1024;

/**
 * Keys a body may have, counted over every level: no form has more than 6 fields with `_csrf`,
 * so 32 leaves room for a few unknown ones (which get "x is not a field of this form").
 * The form-encoded parser also stops counting here.
 */
export const MAX_BODY_KEYS = 32;

/** Values in a body's arrays: a form field repeated (`a=1&a=2`) or a JSON array. */
export const MAX_BODY_ITEMS = 64;

/**
 * How deep a JSON body may nest: the body (1) and a field's value (2). Forms have text fields
 * only; one level is kept so an object sent in place of text gets that field's own message.
 */
export const MAX_BODY_DEPTH = 2;

export const TOO_MANY_FIELDS_MESSAGE =
  'This request has more fields than any form; nothing was saved.';
export const TOO_DEEP_MESSAGE =
  'This request nests values too deeply for a form; nothing was saved.';

/** A body refused while it was being read: a 400 whatever the route. */
export class BodyShapeError extends Error {
  readonly status = 400;
  readonly expose = true;
  constructor(
    readonly type: 'body.too.many.keys' | 'body.too.deep',
    message: string,
  ) {
    super(message);
    this.name = 'BodyShapeError';
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const OPEN_OBJECT = 0x7b;
const OPEN_ARRAY = 0x5b;
const CLOSE_OBJECT = 0x7d;
const CLOSE_ARRAY = 0x5d;

/**
 * Counts a JSON text's keys (`:`), values (`,`) and nesting on its raw UTF-8 bytes, before
 * JSON.parse: parsing 110 000 keys alone takes tens of milliseconds, and everything after it
 * more. One pass, no allocation; a malformed text is left for JSON.parse to refuse. Bytes of
 * multi-byte UTF-8 characters are all ≥ 0x80, so they never look like punctuation.
 */
export function checkJsonShape(body: Buffer): void {
  let keys = 0;
  let commas = 0;
  let depth = 0;
  const end = body.length;
  for (let i = 0; i < end; i++) {
    const byte = body[i];
    if (byte === QUOTE) {
      // skip the string: to the next quote not escaped by a backslash
      for (i++; i < end; i++) {
        const inner = body[i];
        if (inner === BACKSLASH) i++;
        else if (inner === QUOTE) break;
      }
    } else if (byte === COLON) {
      if (++keys > MAX_BODY_KEYS)
        throw new BodyShapeError('body.too.many.keys', TOO_MANY_FIELDS_MESSAGE);
    } else if (byte === COMMA) {
      if (++commas > MAX_BODY_KEYS + MAX_BODY_ITEMS) {
        throw new BodyShapeError('body.too.many.keys', TOO_MANY_FIELDS_MESSAGE);
      }
    } else if (byte === OPEN_OBJECT || byte === OPEN_ARRAY) {
      if (++depth > MAX_BODY_DEPTH) throw new BodyShapeError('body.too.deep', TOO_DEEP_MESSAGE);
    } else if (byte === CLOSE_OBJECT || byte === CLOSE_ARRAY) {
      depth--;
    }
  }
}

/** A charset body-parser may decode that is not UTF-8 (JSON is UTF-8, RFC 8259). */
export class BodyCharsetError extends Error {
  readonly status = 415;
  readonly expose = true;
  readonly type = 'charset.unsupported';
  constructor(charset: string) {
    super(`This request's charset ${charset} is not supported; send UTF-8.`);
    this.name = 'BodyCharsetError';
  }
}

/** body-parser's `verify` for JSON: refuses a body that no form could be, before it is parsed. */
export function verifyJsonBody(_req: unknown, _res: unknown, body: Buffer, encoding: string): void {
  if (encoding.toLowerCase() !== 'utf-8' && encoding.toLowerCase() !== 'utf8') {
    throw new BodyCharsetError(encoding);
  }
  checkJsonShape(body);
}

/**
 * The options of the two body parsers every route shares. Forms are flat (`extended: false`:
 * `a[b]=1` is the key "a[b]", never a nested object) and their parameters are counted before
 * they are split.
 */
export function bodyParserOptions(limit: number) {
  return {
    json: { limit, verify: verifyJsonBody },
    urlencoded: { extended: false, limit, parameterLimit: MAX_BODY_KEYS },
  };
}
