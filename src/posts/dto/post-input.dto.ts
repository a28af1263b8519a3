import { IsString, Length } from 'class-validator';
import { Trim } from '../../common/trim';
import { NoControlChars, NormalizeNewlines } from '../../common/validation/text-rules';

/**
 * A post as an editor submits it (create and edit). Strings only: an object such as
 * {"$gt": ""} or a number is rejected here and never reaches a query; unknown fields are
 * rejected too (whitelist + forbidNonWhitelisted, by validateInput and the global ValidationPipe).
 */
export class PostInputDto {
  @Trim()
  @IsString({ message: 'Title must be text.' })
  @Length(1, 200, { message: 'Title must be 1 to 200 characters.' })
  @NoControlChars({ message: 'Title must be one line without control characters or tabs.' })
  title!: string;

  @Trim()
  @IsString({ message: 'Author must be text.' })
  @Length(1, 80, { message: 'Author must be 1 to 80 characters.' })
  @NoControlChars({ message: 'Author must be one line without control characters or tabs.' })
  author!: string;

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
