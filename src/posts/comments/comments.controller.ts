import { Controller, Param, Post, Req, Res } from '@nestjs/common';
import { Request, Response } from 'express';
import { answerInvalid, answerWrite } from '../../common/http/respond';
import { FormBody } from '../../common/validation/form-body.decorator';
import { FormInput } from '../../common/validation/input-validation';
import { threadView } from './thread-views';
import { CommentsService } from './comments.service';
import { CommentInputDto } from './dto/comment-input.dto';

/** `POST /post/:id/comment`: the comment form on the post page (or JSON). */
@Controller()
export class CommentsController {
  constructor(private readonly comments: CommentsService) {}

  @Post('post/:id/comment')
  async add(
    @Param('id') id: string,
    @Req() req: Request,
    @Res() res: Response,
    @FormBody(CommentInputDto) input: FormInput<CommentInputDto>,
  ): Promise<void> {
    if (!input.ok) {
      // also the 404 for an unknown post, which wins over invalid input
      const { post, comments } = await this.comments.thread(id);
      const model = threadView(post, comments, { form: input });
      return answerInvalid(req, res, input.errors, { view: 'posts/show', model });
    }
    const comment = await this.comments.add(id, input.value);
    answerWrite(req, res, {
      status: 201,
      json: { id: comment.id },
      redirectTo: `/post/${id}#comments`,
      flash: 'commented',
    });
  }
}
