import { POST_SORTS, PostPage, PostSort } from '../store/post-store';
import { summaryView } from '../posts/post-views';

const SORT_LABELS: Record<PostSort, string> = {
  newest: 'Newest',
  oldest: 'Oldest',
  title: 'Title A–Z',
  'title-desc': 'Title Z–A',
};

/** The front page: the sort choices, one page of posts, and links that keep the sort. */
export function homeView(sort: PostSort, page: PostPage, onFirstPage: boolean) {
  return {
    pageTitle: 'Posts',
    sort,
    sorts: POST_SORTS.map((value) => ({
      value,
      label: SORT_LABELS[value],
      active: value === sort,
    })),
    posts: page.items.map(summaryView),
    empty: page.items.length === 0 && onFirstPage,
    // a later page can come back empty when its posts were deleted since the link was made
    emptyLaterPage: page.items.length === 0 && !onFirstPage,
    next: page.next,
    prev: page.prev,
    paged: !!page.next || !!page.prev,
  };
}
