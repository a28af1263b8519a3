import { IsString, Length, ValidateBy } from 'class-validator';
import { Trim } from '../../../common/trim';
import { NoControlChars, NormalizeNewlines } from '../../../common/validation/text-rules';

/** A signed-in reader's comment: the commenter is their account's display name. */
export class AccountCommentDto {
  /** Refused when sent at all, saying why (a signed-in comment carries the account's name). */
  @ValidateBy(
    {
      name: 'noCommenter',
      validator: { validate: (value) => value === undefined },
    },
    { message: 'Your comments carry your account name; leave the name out.' },
  )
  commenter?: never;

  @Trim()
  @NormalizeNewlines()
  @IsString({ message: 'Comment must be text.' })
  @Length(1, 5_000, { message: 'Comment must be 1 to 5 000 characters.' })
  @NoControlChars({
    multiline: true,
    message: 'Comment must not contain control characters (line breaks and tabs are fine).',
  })
  comment!: string;
}

/** An anonymous reader's comment, under a name they type; same rules as PostInputDto. */
export class CommentInputDto {
  @Trim()
  @IsString({ message: 'Name must be text.' })
  @Length(1, 80, { message: 'Name must be 1 to 80 characters.' })
  @NoControlChars({ message: 'Name must be one line without control characters or tabs.' })
  commenter!: string;

  @Trim()
  @NormalizeNewlines()
  @IsString({ message: 'Comment must be text.' })
  @Length(1, 5_000, { message: 'Comment must be 1 to 5 000 characters.' })
  @NoControlChars({
    multiline: true,
    message: 'Comment must not contain control characters (line breaks and tabs are fine).',
  })
  comment!: string;
}
