import { Controller, Get, Param, Query } from '@nestjs/common';
import { CommentsService } from '../comments/comments.service';
import { optionalParam } from '../common/http/query-params';
import { parseCursor, parseLimit, parseSort } from './list-query';
import { PostsService } from './posts.service';

/** Comments returned with a post by the API; `nextComments` continues with `?comments=`. */
export const API_COMMENTS_LIMIT = 100;

/** The read-only JSON API over posts (the form routes answer JSON too, for writes). */
@Controller('api/posts')
export class PostsApiController {
  constructor(
    private readonly posts: PostsService,
    private readonly comments: CommentsService,
  ) {}

  /** `?sort=newest|oldest|title|title-desc&cursor=&limit=1..100` */
  @Get()
  async list(@Query() query: Record<string, unknown>) {
    const sort = parseSort(query);
    const limit = parseLimit(query);
    const page = await this.posts.list({ sort, cursor: parseCursor(query), limit });
    return { sort, limit, items: page.items, next: page.next ?? null, prev: page.prev ?? null };
  }

  /** The post with its first API_COMMENTS_LIMIT comments, oldest first (`?comments=` for more). */
  @Get(':id')
  async get(@Param('id') id: string, @Query() query: Record<string, unknown>) {
    const cursor = optionalParam(query, 'comments');
    const { post, comments } = await this.comments.thread(id, cursor, API_COMMENTS_LIMIT);
    return { ...post, comments: comments.items, nextComments: comments.next ?? null };
  }
}
