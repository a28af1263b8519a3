import { Post, PostStore } from '../store/post-store';
import { isValidId } from '../store/versions';
import { PostNotFoundException } from './post-errors';

/** The post, or a 404. A malformed id never reaches the store. */
export async function requirePost(store: PostStore, id: string): Promise<Post> {
  if (!isValidId(id)) throw new PostNotFoundException();
  const post = await store.getPost(id);
  if (!post) throw new PostNotFoundException();
  return post;
}
