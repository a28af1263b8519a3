import { IsString, Length } from 'class-validator';
import { Trim } from '../../common/trim';

/** A comment as a reader submits it; same rules as PostInputDto. */
export class CommentInputDto {
  @Trim()
  @IsString({ message: 'Name must be text.' })
  @Length(1, 80, { message: 'Name must be 1 to 80 characters.' })
  commenter!: string;

  @Trim()
  @IsString({ message: 'Comment must be text.' })
  @Length(1, 5_000, { message: 'Comment must be 1 to 5 000 characters.' })
  comment!: string;
}
