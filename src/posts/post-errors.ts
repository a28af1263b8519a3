import { ConflictException, ForbiddenException, NotFoundException } from '@nestjs/common';
import { Post } from '../store/post-store';

/** An unknown id and a malformed one look the same to the client: there is no such post. */
export class PostNotFoundException extends NotFoundException {
  constructor() {
    super({ statusCode: 404, message: 'There is no post at this address.' });
  }
}

/**
 * The post changed after the editor read it (or kept changing while we retried). Carries the
 * current post so the edit form can show it and offer its version for a deliberate resubmit.
 */
export class EditConflictException extends ConflictException {
  constructor(readonly current: Post) {
    super({
      statusCode: 409,
      message: 'Someone else changed this post after you opened it; your changes were not saved.',
      id: current.id,
      version: current.version,
      title: current.title,
    });
  }
}

export class DeleteConflictException extends ConflictException {
  constructor() {
    super({
      statusCode: 409,
      message: 'The post kept changing while it was being deleted; it was not deleted. Try again.',
    });
  }
}

/** Someone signed in, but neither the post's owner nor an admin: 403, nothing changed. */
export class NotYourPostException extends ForbiddenException {
  constructor() {
    super({
      statusCode: 403,
      message: 'Only the author of this post or an admin may change it; nothing was changed.',
    });
  }
}
