/** Small readers for the app's own markup (it marks what tests look for with data-* / rel). */

/** Undoes Handlebars' attribute escaping, enough for the app's own URLs. */
export function unescapeHtml(text: string): string {
  return text
    .replace(/&#x3D;/g, '=')
    .replace(/&#x27;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** The href of the link with rel="next" / rel="prev", or undefined. */
export function relLink(html: string, rel: 'next' | 'prev'): string | undefined {
  const match = new RegExp(`<a rel="${rel}" href="([^"]+)"`).exec(html);
  return match ? unescapeHtml(match[1]) : undefined;
}

/** Post ids in page order, from the listing's data-post-id attributes. */
export function listedPostIds(html: string): string[] {
  return [...html.matchAll(/<article class="card" data-post-id="([0-9a-f]{24})"/g)].map(
    (m) => m[1],
  );
}

export function commentIds(html: string): string[] {
  return [...html.matchAll(/data-comment-id="([0-9a-f]{24})"/g)].map((m) => m[1]);
}

/** The message shown next to a form field, or undefined. */
export function fieldError(html: string, field: string): string | undefined {
  const match = new RegExp(`data-error-for="${field}">([^<]*)<`).exec(html);
  return match ? unescapeHtml(match[1]) : undefined;
}

/** The value of a form input (text or hidden), or undefined. */
export function inputValue(html: string, name: string): string | undefined {
  const match = new RegExp(`name="${name}" value="([^"]*)"`).exec(html);
  return match ? unescapeHtml(match[1]) : undefined;
}

export function textareaValue(html: string, name: string): string | undefined {
  const match = new RegExp(`name="${name}"[^>]*>([^<]*)</textarea>`).exec(html);
  return match ? unescapeHtml(match[1]) : undefined;
}

export function flashKey(html: string): string | undefined {
  return /data-flash="([a-z]+)"/.exec(html)?.[1];
}

/** The value of the flash cookie a response sets ('' when it clears it), or undefined. */
export function flashCookieSet(headers: Record<string, unknown>): string | undefined {
  const cookies = (headers['set-cookie'] as string[] | undefined) ?? [];
  const flash = cookies.find((cookie) => cookie.startsWith('flash='));
  return flash === undefined ? undefined : flash.slice('flash='.length).split(';')[0];
}
