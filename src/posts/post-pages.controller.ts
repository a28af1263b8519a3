import {
  Controller,
  Get,
  Param,
  Post,
  Query,
  Render,
  Req,
  Res,
  UseInterceptors,
} from '@nestjs/common';
import { Request, Response } from 'express';
import { CommentsService } from '../comments/comments.service';
import { FlashInterceptor } from '../common/http/flash.interceptor';
import { optionalParam } from '../common/http/query-params';
import { answerInvalid, answerWrite } from '../common/http/respond';
import { FormBody } from '../common/validation/form-body.decorator';
import { FormInput } from '../common/validation/input-validation';
import { PostInputDto } from './dto/post-input.dto';
import { createFormView, threadView } from './post-views';
import { PostsService } from './posts.service';

/** Reading and writing posts as pages: `/create` and `/post/:id`. Edit and delete are next door. */
@Controller()
@UseInterceptors(FlashInterceptor)
export class PostPagesController {
  constructor(
    private readonly posts: PostsService,
    private readonly comments: CommentsService,
  ) {}

  @Get('create')
  @Render('posts/form')
  createForm() {
    return createFormView();
  }

  @Post('create')
  async create(
    @Req() req: Request,
    @Res() res: Response,
    @FormBody(PostInputDto) input: FormInput<PostInputDto>,
  ): Promise<void> {
    if (!input.ok) {
      const model = createFormView({ values: input.values, errors: input.errors });
      return answerInvalid(req, res, input.errors, { view: 'posts/form', model });
    }
    const post = await this.posts.create(input.value);
    answerWrite(req, res, {
      status: 201,
      json: { id: post.id },
      redirectTo: `/post/${post.id}`,
      flash: 'created',
    });
  }

  /** The post, a page of its comments (`?comments=` for later ones) and the comment form. */
  @Get('post/:id')
  @Render('posts/show')
  async show(@Param('id') id: string, @Query() query: Record<string, unknown>) {
    const cursor = optionalParam(query, 'comments');
    const { post, comments } = await this.comments.thread(id, cursor);
    return threadView(post, comments, { commentsCursor: cursor });
  }
}
