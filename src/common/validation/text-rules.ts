import { Transform } from 'class-transformer';
import { ValidateBy, ValidationOptions } from 'class-validator';

// C0 and C1 control characters. Line breaks (\n) and tabs are allowed only in multi-line text.
/* eslint-disable no-control-regex -- finding control characters is the point of these two */
const ANY_CONTROL = /[\u0000-\u001F\u007F-\u009F]/;
const CONTROL_EXCEPT_NEWLINE_TAB = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/;
/* eslint-enable no-control-regex */

// Half of a surrogate pair (only a lone one matches with the u flag): not Unicode text. The
// stores would save it as U+FFFD, so the text kept would differ from the text acknowledged.
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * Rejects control characters: they are invisible on the page, can forge log lines and break the
 * layout. Single-line fields allow none; multi-line ones (`multiline: true`) allow \n and \t.
 * Lone surrogates are refused too (above). Non-strings pass here so @IsString reports them with
 * its own message.
 */
export function NoControlChars(
  options: { multiline?: boolean } & ValidationOptions = {},
): PropertyDecorator {
  const { multiline = false, ...validationOptions } = options;
  const pattern = multiline ? CONTROL_EXCEPT_NEWLINE_TAB : ANY_CONTROL;
  return ValidateBy(
    {
      name: 'noControlChars',
      validator: {
        validate: (value: unknown) =>
          typeof value !== 'string' || !(pattern.test(value) || LONE_SURROGATE.test(value)),
      },
    },
    validationOptions,
  );
}

/**
 * Browsers submit a textarea's line breaks as CRLF; store them as \n so the text is the same
 * however it was sent (and so a lone CR is not a rejected control character).
 */
export const NormalizeNewlines = () =>
  Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' ? value.replace(/\r\n?/g, '\n') : value,
  );
