import { Controller, Get, Render } from '@nestjs/common';

/** The front page. Until the posts feature lands it only says there is nothing to read yet. */
@Controller()
export class HomeController {
  @Get()
  @Render('home')
  home(): { title: string } {
    return { title: 'Latest posts' };
  }
}
