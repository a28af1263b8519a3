import { Controller, Get, Query, Render, UseInterceptors } from '@nestjs/common';
import { Access } from '../auth/access';
import { FlashInterceptor } from '../common/http/flash.interceptor';
import { PAGE_SIZE, parseCursor, parseSort } from '../posts/list-query';
import { PostsService } from '../posts/posts.service';
import { homeView } from './home-view';

/** The front page: posts in the chosen order, 20 a page, `?sort=&cursor=`. */
@Access('public')
@Controller()
@UseInterceptors(FlashInterceptor)
export class HomeController {
  constructor(private readonly posts: PostsService) {}

  @Get()
  @Render('home')
  async home(@Query() query: Record<string, unknown>) {
    const sort = parseSort(query);
    const cursor = parseCursor(query, sort);
    const page = await this.posts.list({ sort, cursor, limit: PAGE_SIZE });
    return homeView(sort, page, cursor === undefined);
  }
}
