import { FieldErrors, SubmittedValues } from '../common/validation/input-validation';
import { DateView, counted, dateView } from '../common/view/date-view';
import { Post, PostSummary } from '../store/post-store';

/*
 * View models: plain data the templates print with {{ }} (always escaped). All decisions (labels,
 * links, dates) are made here so the templates stay free of logic.
 */

export interface SummaryView {
  id: string;
  title: string;
  author: string;
  excerpt: string;
  created: DateView;
}

export function summaryView(post: PostSummary): SummaryView {
  return {
    id: post.id,
    title: post.title,
    author: post.author,
    excerpt: post.excerpt,
    created: dateView(post.createdAt),
  };
}

/** A post as its page shows it; `canChange`: the viewer may edit and delete it (the buttons). */
export function postView(post: Post, canChange = false) {
  const edited = post.updatedAt.getTime() !== post.createdAt.getTime();
  return {
    canChange,
    id: post.id,
    title: post.title,
    author: post.author,
    content: post.content,
    version: post.version,
    created: dateView(post.createdAt),
    updated: edited ? dateView(post.updatedAt) : undefined,
  };
}

export interface PostFormState {
  values: SubmittedValues;
  errors?: FieldErrors;
  /** the post's current title, when someone else changed it while this editor was editing */
  conflictTitle?: string;
}

export function createFormView(state: PostFormState = { values: {} }) {
  return {
    pageTitle: 'Write a post',
    heading: 'Write a post',
    action: '/create',
    submitLabel: 'Publish',
    cancelHref: '/',
    ...formFields(state),
  };
}

/** The edit form; `version` is the post version the hidden field carries. */
export function editFormView(post: Post, state: PostFormState & { version: string }) {
  return {
    pageTitle: `Edit: ${post.title}`,
    heading: 'Edit post',
    editing: { id: post.id, title: post.title },
    action: `/edit/${post.id}`,
    submitLabel: 'Save changes',
    cancelHref: `/post/${post.id}`,
    version: state.version,
    ...formFields(state),
  };
}

export function editFormFromPost(post: Post) {
  return editFormView(post, {
    values: { title: post.title, content: post.content },
    version: String(post.version),
  });
}

function formFields(state: PostFormState) {
  return {
    ...formState(state.values, state.errors, POST_FIELDS),
    conflict: state.conflictTitle === undefined ? undefined : { title: state.conflictTitle },
  };
}

const POST_FIELDS = ['title', 'content'];

/**
 * Values and per-field messages for a form. Messages for anything that has no visible input of
 * its own (an unknown field, the hidden version) are listed above the form instead.
 */
export function formState(values: SubmittedValues, errors: FieldErrors = {}, visible: string[]) {
  return {
    values,
    errors,
    hasErrors: Object.keys(errors).length > 0,
    otherErrors: Object.entries(errors)
      .filter(([field]) => !visible.includes(field))
      .map(([, message]) => message),
  };
}

/** The delete confirmation: `comments` is what goes with the post (see PostsService.commentsOf). */
export function deleteView(post: Post, comments: { count: number; more: boolean }) {
  const alsoDeletes = comments.more
    ? `more than ${counted(comments.count, 'comment', 'comments')}`
    : comments.count > 0
      ? `its ${counted(comments.count, 'comment', 'comments')}`
      : undefined;
  return {
    pageTitle: `Delete: ${post.title}`,
    post: { id: post.id, title: post.title },
    alsoDeletes,
  };
}
