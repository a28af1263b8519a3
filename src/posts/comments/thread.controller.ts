import { Controller, Get, Param, Query, Render, Req, UseInterceptors } from '@nestjs/common';
import { Request } from 'express';
import { Access } from '../../auth/access';
import { FlashInterceptor } from '../../common/http/flash.interceptor';
import { optionalParam } from '../../common/http/query-params';
import { CommentsService } from './comments.service';
import { threadView } from './thread-views';

/** Comments returned with a post by the API; `nextComments` continues with `?comments=`. */
export const API_COMMENTS_LIMIT = 100;

/** A post with its comments: `/post/:id` (the page, with the comment form) and `/api/posts/:id`. */
@Controller()
@Access('public')
export class ThreadController {
  constructor(private readonly comments: CommentsService) {}

  /** The post, a page of its comments (`?comments=` for later ones) and the comment form. */
  @Get('post/:id')
  @Render('posts/show')
  @UseInterceptors(FlashInterceptor)
  async show(
    @Param('id') id: string,
    @Query() query: Record<string, unknown>,
    @Req() req: Request,
  ) {
    const cursor = optionalParam(query, 'comments');
    const { post, comments } = await this.comments.thread(id, cursor);
    const closed = await this.comments.closedMessage(id, cursor ? undefined : comments);
    return threadView(post, comments, { commentsCursor: cursor, viewer: req.viewer, closed });
  }

  /** The post with its first API_COMMENTS_LIMIT comments, oldest first (`?comments=` for more). */
  @Get('api/posts/:id')
  async get(@Param('id') id: string, @Query() query: Record<string, unknown>) {
    const cursor = optionalParam(query, 'comments');
    const { post, comments } = await this.comments.thread(id, cursor, API_COMMENTS_LIMIT);
    return { ...post, comments: comments.items, nextComments: comments.next ?? null };
  }
}
