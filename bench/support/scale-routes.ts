import { LoadSpec } from './load';

export const SCALE_ROUTES = [
  'GET / (home)',
  'GET /?cursor= (50 pages in)',
  'GET /post/:id (50 comments)',
  'GET /?sort=title',
] as const;
/**
 * A route of the same app that reads no post (the sign-in form), measured beside the others at
 * each size in each round: its ratio between sizes is the machine's noise, ~1.00 on a steady one.
 */
export const CONTROL_ROUTE = 'GET /login (control)';
export type ScaleRoute = (typeof SCALE_ROUTES)[number] | typeof CONTROL_ROUTE;
/** What each round measures at each size, the control first. */
export const MEASURED_ROUTES: readonly ScaleRoute[] = [CONTROL_ROUTE, ...SCALE_ROUTES];

/** How deep the deep page is: the `next` cursor followed this many times from the home page. */
export const DEEP_PAGES = 50;

/**
 * The cursor of the page DEEP_PAGES pages past the home page (newest first, 20 a page), found by
 * following `next` through the JSON API, as a reader clicking "older" would.
 */
export async function deepCursor(url: string): Promise<string> {
  let cursor: string | undefined;
  for (let page = 0; page < DEEP_PAGES; page++) {
    const query = cursor ? `?cursor=${encodeURIComponent(cursor)}` : '';
    const response = await fetch(`${url}/api/posts${query}`);
    if (response.status !== 200) throw new Error(`/api/posts${query}: ${response.status}`);
    const body = (await response.json()) as { next?: string | null };
    if (!body.next) throw new Error(`no next page after ${page + 1} pages`);
    cursor = body.next;
  }
  return cursor as string;
}

/** The load of one route; `threads` are the posts with FULL_THREAD comments. */
export function scaleLoad(
  route: ScaleRoute,
  base: { url: string; connections: number; seconds: number },
  deep: string,
  threads: string[],
): LoadSpec {
  switch (route) {
    case 'GET / (home)':
      return { ...base, path: () => '/', expectStatus: 200 };
    case 'GET /?cursor= (50 pages in)':
      return { ...base, path: () => `/?cursor=${encodeURIComponent(deep)}`, expectStatus: 200 };
    case 'GET /post/:id (50 comments)':
      return {
        ...base,
        path: () => `/post/${threads[Math.floor(Math.random() * threads.length)]}`,
        expectStatus: 200,
      };
    case 'GET /?sort=title':
      return { ...base, path: () => '/?sort=title', expectStatus: 200 };
    case CONTROL_ROUTE:
      return { ...base, path: () => '/login', expectStatus: 200 };
  }
}
