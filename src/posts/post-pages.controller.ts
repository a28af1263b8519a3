import { Controller, Get, Post, Render, Req, Res, UseInterceptors } from '@nestjs/common';
import { Request, Response } from 'express';
import { Access } from '../auth/access';
import { signedIn } from '../auth/viewer';
import { FlashInterceptor } from '../common/http/flash.interceptor';
import { answerInvalid, answerWrite } from '../common/http/respond';
import { FormBody } from '../common/validation/form-body.decorator';
import { FormInput } from '../common/validation/input-validation';
import { PostInputDto } from './dto/post-input.dto';
import { createFormView } from './post-views';
import { PostsService } from './posts.service';

/**
 * Writing posts as pages: `/create`. Edit and delete are next door; a post's page (with its
 * comments) is the comments' (comments/thread.controller.ts).
 */
@Controller()
@Access('signed-in')
@UseInterceptors(FlashInterceptor)
export class PostPagesController {
  constructor(private readonly posts: PostsService) {}

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
    const post = await this.posts.create(input.value, signedIn(req.viewer).account);
    answerWrite(req, res, {
      status: 201,
      json: { id: post.id },
      redirectTo: `/post/${post.id}`,
      flash: 'created',
    });
  }
}
