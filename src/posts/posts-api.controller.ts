import { Controller, Get, Query } from '@nestjs/common';
import { Access } from '../auth/access';
import { parseCursor, parseLimit, parseSort } from './list-query';
import { PostsService } from './posts.service';

/**
 * The read-only JSON API over posts (the form routes answer JSON too, for writes); a post with
 * its comments is the comments' (comments/thread.controller.ts).
 */
@Controller('api/posts')
@Access('public')
export class PostsApiController {
  constructor(private readonly posts: PostsService) {}

  /** `?sort=newest|oldest|title|title-desc&cursor=&limit=1..100` */
  @Get()
  async list(@Query() query: Record<string, unknown>) {
    const sort = parseSort(query);
    const limit = parseLimit(query);
    const page = await this.posts.list({ sort, cursor: parseCursor(query, sort), limit });
    return { sort, limit, items: page.items, next: page.next ?? null, prev: page.prev ?? null };
  }
}
