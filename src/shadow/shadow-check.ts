import { StoreName } from '../config/migration-phase';
import { Comment, CommentPage, Post, PostPage, PostStore } from '../store/post-store';
import {
  differences,
  fieldsOfKind,
  fieldsOfRead,
  formOf,
  Form,
  Forms,
  formsOf,
  kindOfRead,
  RecordDifference,
  sameForm,
  ShadowRead,
} from './shadow-compare';

/** What a read returned, whichever page asked. */
export type ReadAnswer = Post | null | PostPage | CommentPage;

/** The two stores a sample compares: the phase's primary and secondary, on their own. */
export interface ShadowSides {
  primary: PostStore;
  secondary: PostStore;
  names: { primary: StoreName; secondary: StoreName };
}

/** The records an answer shows, in canonical form by id. */
export function formsOfAnswer(read: ShadowRead, answer: ReadAnswer): Forms {
  const fields = fieldsOfRead(read);
  if (read.page === 'post') return formsOf(fields, answer ? [answer as Post] : []);
  return formsOf(fields, (answer as PostPage | CommentPage).items);
}

/** Makes the same read on one store (the listing and comments with the request's cursor). */
export function readOn(store: PostStore, read: ShadowRead): Promise<ReadAnswer> {
  switch (read.page) {
    case 'post':
      return store.getPost(read.id);
    case 'listing':
      return store.listPosts(read.query);
    case 'comments':
      return store.listComments(read.postId, read.limit, read.cursor);
  }
}

async function lookupOn(store: PostStore, read: ShadowRead, id: string): Promise<Form | undefined> {
  const kind = kindOfRead(read);
  const record: Post | Comment | null =
    kind === 'post' ? await store.getPost(id) : await store.getComment(id);
  return record ? formOf(fieldsOfKind(kind), record) : undefined;
}

/** The first comparison of a sample: the request's answer against the secondary's. */
export async function firstLook(
  sides: ShadowSides,
  read: ShadowRead,
  answer: ReadAnswer,
): Promise<{ primary: Forms; secondary: Forms; found: RecordDifference[] }> {
  const primary = formsOfAnswer(read, answer);
  const secondary = formsOfAnswer(read, await readOn(sides.secondary, read));
  return {
    primary,
    secondary,
    found: differences(fieldsOfRead(read), primary, secondary, sides.names),
  };
}

/**
 * The recheck, after SHADOW_RECHECK_DELAY: both stores are read again, and a record counts as a
 * confirmed mismatch only if it still differs and neither side changed since the first look
 * (a record that changed meanwhile was being written: its copy was in flight). A record on one
 * side of a page only may just sit at the page's edge in the other store (the page moved by a
 * record missing there), so it is looked up by id in both stores and compared whole.
 */
export async function recheck(
  sides: ShadowSides,
  read: ShadowRead,
  first: { primary: Forms; secondary: Forms; found: RecordDifference[] },
): Promise<{ confirmed: RecordDifference[]; matching: string[] }> {
  const [primaryAgain, secondaryAgain] = await Promise.all([
    readOn(sides.primary, read),
    readOn(sides.secondary, read),
  ]);
  const primary = formsOfAnswer(read, primaryAgain);
  const secondary = formsOfAnswer(read, secondaryAgain);
  const again = differences(fieldsOfRead(read), primary, secondary, sides.names);
  const before = new Set(first.found.map((difference) => difference.id));
  const confirmed: RecordDifference[] = [];
  for (const difference of again) {
    if (!before.has(difference.id)) continue; // new since the first look: a write in flight
    const { id } = difference;
    if (primary.has(id) && secondary.has(id)) {
      const stable =
        sameForm(first.primary.get(id), primary.get(id)) &&
        sameForm(first.secondary.get(id), secondary.get(id));
      if (stable) confirmed.push(difference);
      continue;
    }
    const [inPrimary, inSecondary] = await Promise.all([
      lookupOn(sides.primary, read, id),
      lookupOn(sides.secondary, read, id),
    ]);
    if (sameForm(inPrimary, inSecondary)) continue;
    const byId = differences(
      fieldsOfKind(kindOfRead(read)),
      inPrimary ? new Map([[id, inPrimary]]) : new Map(),
      inSecondary ? new Map([[id, inSecondary]]) : new Map(),
      sides.names,
    );
    confirmed.push(...byId);
  }
  const differing = new Set(again.map((difference) => difference.id));
  const matching = [...primary.keys()].filter((id) => !differing.has(id));
  return { confirmed, matching };
}
