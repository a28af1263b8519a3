import { IsString, Length } from 'class-validator';
import { Trim } from '../../../common/trim';
import { NoControlChars, NormalizeNewlines } from '../../../common/validation/text-rules';

/** A comment as a reader submits it; same rules as PostInputDto. */
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
