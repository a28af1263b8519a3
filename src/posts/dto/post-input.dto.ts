import { IsString, Length } from 'class-validator';
import { Trim } from '../../common/trim';

/**
 * A post as an editor submits it (create and edit). Strings only: an object such as
 * {"$gt": ""} or a number is rejected here and never reaches a query; unknown fields are
 * rejected by the global ValidationPipe (whitelist + forbidNonWhitelisted).
 */
export class PostInputDto {
  @Trim()
  @IsString({ message: 'Title must be text.' })
  @Length(1, 200, { message: 'Title must be 1 to 200 characters.' })
  title!: string;

  @Trim()
  @IsString({ message: 'Author must be text.' })
  @Length(1, 80, { message: 'Author must be 1 to 80 characters.' })
  author!: string;

  @Trim()
  @IsString({ message: 'Content must be text.' })
  @Length(1, 50_000, { message: 'Content must be 1 to 50 000 characters.' })
  content!: string;
}
