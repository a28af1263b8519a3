import { Transform } from 'class-transformer';
import { IsOptional, ValidateBy } from 'class-validator';
import { PostInputDto } from './post-input.dto';

const VERSION_PATTERN = /^\d{1,16}$/;

/** Digits only, and exact as a JavaScript number (versions are microseconds, below 2^53). */
function isVersion(value: unknown): boolean {
  return typeof value === 'string' && VERSION_PATTERN.test(value) && Number.isSafeInteger(+value);
}

/**
 * An edit: the post's fields plus, optionally, the version the editor started from (the edit
 * form's hidden field). With a version the edit only applies to that version (409 otherwise);
 * without one (JSON clients that don't care) the last writer wins.
 */
export class PostEditDto extends PostInputDto {
  // JSON clients may send the number they read from /api/posts/:id; forms send digits.
  @Transform(({ value }: { value: unknown }) => {
    if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
    return value === '' ? undefined : value;
  })
  @IsOptional()
  @ValidateBy(
    { name: 'isVersion', validator: { validate: isVersion } },
    { message: 'Version must be the digits of a post version.' },
  )
  version?: string;
}
