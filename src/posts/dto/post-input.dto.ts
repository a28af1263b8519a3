import { IsString, Length, ValidateBy } from 'class-validator';
import { Trim } from '../../common/trim';
import { NoControlChars, NormalizeNewlines } from '../../common/validation/text-rules';

/**
 * A post as an editor submits it (create and edit). Strings only: an object such as
 * {"$gt": ""} or a number is rejected here and never reaches a query; unknown fields are
 * rejected too (whitelist + forbidNonWhitelisted, by validateInput and the global ValidationPipe),
 * `author` among them: a post's author is the account that writes it.
 */
export class PostInputDto {
  @Trim()
  @IsString({ message: 'Title must be text.' })
  @Length(1, 200, { message: 'Title must be 1 to 200 characters.' })
  @NoControlChars({ message: 'Title must be one line without control characters or tabs.' })
  title!: string;

  /** Refused when sent at all, with a message that says why (not just "not a field"). */
  @ValidateBy(
    {
      name: 'noAuthor',
      validator: { validate: (value) => value === undefined },
    },
    { message: 'Author comes from your account; leave it out.' },
  )
  author?: never;

  @Trim()
  @NormalizeNewlines()
  @IsString({ message: 'Content must be text.' })
  @Length(1, 50_000, { message: 'Content must be 1 to 50 000 characters.' })
  @NoControlChars({
    multiline: true,
    message: 'Content must not contain control characters (line breaks and tabs are fine).',
  })
  content!: string;
}
