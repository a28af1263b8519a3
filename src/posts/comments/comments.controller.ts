import { Controller, Param, Post, Req, Res, UseGuards } from '@nestjs/common';
import { Request, Response } from 'express';
import { AuditTrail } from '../../audit/audit-trail';
import { Access } from '../../auth/access';
import { CommentRateLimitGuard } from '../../auth/comment-rate-limit.guard';
import { actorOf } from '../../auth/viewer';
import { answerInvalid, answerWrite } from '../../common/http/respond';
import { wantsJson } from '../../common/http/wants-json';
import { validateInput } from '../../common/validation/input-validation';
import { CommentFormState, threadView } from './thread-views';
import { CommentLimitException, CommentsService } from './comments.service';
import { AccountCommentDto, CommentInputDto } from './dto/comment-input.dto';

/**
 * `POST /post/:id/comment`: the comment form on the post page (or JSON), for anyone: anonymous
 * readers type a name, signed-in ones comment under their account's name. Rate-limited per
 * address; a post with COMMENTS_PER_POST comments takes no more (409). `POST /comment/:id/delete`:
 * admins remove one comment.
 */
@Controller()
export class CommentsController {
  constructor(
    private readonly comments: CommentsService,
    private readonly audit: AuditTrail,
  ) {}

  @Post('post/:id/comment')
  @Access('public')
  @UseGuards(CommentRateLimitGuard)
  async add(@Param('id') id: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    const account = req.viewer?.account;
    // the body is validated here, against the form this reader has (with or without a name)
    const input = account
      ? validateInput(AccountCommentDto, req.body)
      : validateInput(CommentInputDto, req.body);
    if (!input.ok) {
      // also the 404 for an unknown post, which wins over invalid input
      const model = await this.page(id, req, input);
      return answerInvalid(req, res, input.errors, { view: 'posts/show', model });
    }
    const commenter = account ? account.name : (input.value as CommentInputDto).commenter;
    let comment: { id: string };
    try {
      comment = await this.comments.add(id, { commenter, comment: input.value.comment });
    } catch (error) {
      if (!(error instanceof CommentLimitException) || wantsJson(req)) throw error;
      // the post page again, saying the limit is reached where the form was
      return res.status(409).render('posts/show', await this.page(id, req));
    }
    answerWrite(req, res, {
      status: 201,
      json: { id: comment.id },
      redirectTo: `/post/${id}#comments`,
      flash: 'commented',
    });
  }

  /** The post page as the comment form's answer: first comments, the form or why it is closed. */
  private async page(id: string, req: Request, form?: CommentFormState) {
    const { post, comments } = await this.comments.thread(id);
    const closed = await this.comments.closedMessage(id, comments);
    return threadView(post, comments, { form, viewer: req.viewer, closed });
  }

  @Post('comment/:id/delete')
  @Access('admin')
  async delete(@Param('id') id: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    const comment = await this.comments.delete(id);
    await this.audit.record({
      actor: actorOf(req.viewer),
      action: 'comment.delete',
      target: id,
      outcome: 'ok',
      details: { post: comment.postId, commenter: comment.commenter },
    });
    answerWrite(req, res, {
      status: 200,
      json: { id, deleted: true },
      redirectTo: `/post/${comment.postId}#comments`,
      flash: 'commentDeleted',
    });
  }
}
