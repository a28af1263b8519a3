import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const VIEWS = join(__dirname, '..', '..', '..', 'views');

function templates(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return templates(path);
    return name.endsWith('.hbs') ? [path] : [];
  });
}

/** What the strict CSP (no 'unsafe-inline') would block in a browser. */
const INLINE = [
  ['a <style> element', /<style[\s>]/i],
  ['a style="…" attribute', /\sstyle\s*=/i],
  ['a <script> element', /<script[\s>]/i],
  ['an inline event handler (onclick=…)', /\son[a-z]+\s*=/i],
  ['a javascript: URL', /javascript:/i],
] as const;

describe('views (layouts and partials included) hold no inline style or script', () => {
  const files = templates(VIEWS);

  it('finds the templates (the scan itself works)', () => {
    const names = files.map((file) => relative(VIEWS, file));
    expect(names).toEqual(
      expect.arrayContaining(['layouts/main.hbs', 'partials/header.hbs', 'home.hbs']),
    );
  });

  it.each(INLINE)('no template has %s', (_what, pattern) => {
    const offending = files.filter((file) => pattern.test(readFileSync(file, 'utf8')));
    expect(offending.map((file) => relative(VIEWS, file))).toEqual([]);
  });

  it('the patterns catch what they look for', () => {
    const samples = [
      '<style>a{}</style>',
      '<p style="color:red">',
      '<script src="x.js"></script>',
      '<button onclick="go()">',
      '<a href="javascript:void 0">',
    ];
    INLINE.forEach(([, pattern], i) => expect(pattern.test(samples[i])).toBe(true));
  });

  it('the layout links the stylesheet from /static/', () => {
    const layout = readFileSync(join(VIEWS, 'layouts', 'main.hbs'), 'utf8');
    expect(layout).toContain(
      '<link rel="stylesheet" href="/static/site.css?v={{stylesheetVersion}}" />',
    );
  });
});
