import { Controller, Get, Param, Post, Render, Req, Res, UseInterceptors } from '@nestjs/common';
import { AuditTrail } from '../audit/audit-trail';
import { Access } from '../auth/access';
import { actorOf, signedIn } from '../auth/viewer';
import { Request, Response } from 'express';
import { FlashInterceptor } from '../common/http/flash.interceptor';
import { answerInvalid, answerWrite } from '../common/http/respond';
import { wantsJson } from '../common/http/wants-json';
import { FormBody } from '../common/validation/form-body.decorator';
import { FormInput } from '../common/validation/input-validation';
import { PostEditDto } from './dto/post-edit.dto';
import { EditConflictException } from './post-errors';
import { deleteView, editFormFromPost, editFormView } from './post-views';
import { PostsService } from './posts.service';

/**
 * Changing and deleting posts: `/edit/:id` and `/delete/:id` (with a confirmation page), by the
 * post's owner or an admin (PostsService.changeable: 403 for anyone else).
 */
@Controller()
@Access('signed-in')
@UseInterceptors(FlashInterceptor)
export class PostEditController {
  constructor(
    private readonly posts: PostsService,
    private readonly audit: AuditTrail,
  ) {}

  @Get('edit/:id')
  @Render('posts/form')
  async editForm(@Param('id') id: string, @Req() req: Request) {
    return editFormFromPost(await this.posts.changeable(id, signedIn(req.viewer).account));
  }

  @Post('edit/:id')
  async edit(
    @Param('id') id: string,
    @Req() req: Request,
    @Res() res: Response,
    @FormBody(PostEditDto) input: FormInput<PostEditDto>,
  ): Promise<void> {
    const editor = signedIn(req.viewer).account;
    // an unknown post is a 404 (and another's a 403) even when the form is also invalid
    const post = await this.posts.changeable(id, editor);
    if (!input.ok) {
      const version = input.values.version ?? '';
      const model = editFormView(post, { values: input.values, errors: input.errors, version });
      return answerInvalid(req, res, input.errors, { view: 'posts/form', model });
    }
    const { version, title, content } = input.value;
    try {
      const updated = await this.posts.update(
        id,
        { title, content },
        editor,
        version === undefined ? undefined : Number(version),
      );
      answerWrite(req, res, {
        status: 200,
        json: { id, version: updated.version },
        redirectTo: `/post/${id}`,
        flash: 'updated',
      });
    } catch (error) {
      if (!(error instanceof EditConflictException) || wantsJson(req)) throw error;
      // Keep what this editor wrote and offer the current version, so saving again is a
      // deliberate choice to replace the other change.
      const current = error.current;
      const model = editFormView(current, {
        values: { title, content },
        version: String(current.version),
        conflictTitle: current.title,
      });
      res.status(409).render('posts/form', model);
    }
  }

  @Get('delete/:id')
  @Render('posts/delete')
  async confirmDelete(@Param('id') id: string, @Req() req: Request) {
    const post = await this.posts.changeable(id, signedIn(req.viewer).account);
    return deleteView(post, await this.posts.commentsOf(id));
  }

  @Post('delete/:id')
  async delete(@Param('id') id: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    const editor = signedIn(req.viewer).account;
    const post = await this.posts.delete(id, editor);
    // an admin deleting someone else's post is moderation: it goes into the audit trail
    if (post.ownerId !== editor.id) {
      await this.audit.record({
        actor: actorOf(req.viewer),
        action: 'post.delete',
        target: id,
        outcome: 'ok',
        details: { title: post.title, author: post.author },
      });
    }
    answerWrite(req, res, {
      status: 200,
      json: { id, deleted: true },
      redirectTo: '/',
      flash: 'deleted',
    });
  }
}
