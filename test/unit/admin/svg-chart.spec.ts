import { escapeXml, lineChart, niceMax } from '../../../src/admin/svg-chart';

const FROM = Date.UTC(2026, 0, 1, 12, 0, 0);
const TO = FROM + 3_600_000;

function chart(points: { t: number; v: number | null }[], overrides = {}) {
  return lineChart({
    id: 'chart-x',
    title: 'Copies <per> "minute"',
    desc: 'What & why',
    from: FROM,
    to: TO,
    series: [{ name: 'written', className: 'series-ok', points }],
    format: (value) => `${value}/min`,
    ...overrides,
  });
}

/** The coordinates of each polyline, as numbers. */
function polylines(svg: string): [number, number][][] {
  return [...svg.matchAll(/<polyline [^>]*points="([^"]*)"/g)].map((match) =>
    match[1].split(' ').map((pair) => pair.split(',').map(Number) as [number, number]),
  );
}

describe('lineChart (server-drawn SVG)', () => {
  it('is labelled by its <title> and <desc>, escaped', () => {
    const svg = chart([]);
    expect(svg).toMatch(/^<svg [^>]*role="img" aria-labelledby="chart-x-title chart-x-desc"/);
    expect(svg).toContain(
      '<title id="chart-x-title">Copies &lt;per&gt; &quot;minute&quot;</title>',
    );
    expect(svg).toContain('<desc id="chart-x-desc">What &amp; why</desc>');
    expect(svg.endsWith('</svg>')).toBe(true);
  });

  it('has no inline style or script (the CSP allows neither)', () => {
    const svg = chart([
      { t: FROM, v: 1 },
      { t: TO, v: 2 },
    ]);
    expect(svg).not.toMatch(/\sstyle\s*=|<style|<script|\son[a-z]+\s*=/i);
  });

  it('labels the y axis 0, half and top (a 1-2-5 scale) and the time axis', () => {
    const svg = chart([
      { t: FROM, v: 3 },
      { t: TO, v: 7 },
    ]);
    const labels = [...svg.matchAll(/<text [^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
    expect(labels).toEqual(['0/min', '5/min', '10/min', '-60 min', '-30 min', 'now']);
  });

  it('draws a point at each sample: later is further right, larger is higher', () => {
    const svg = chart([
      { t: FROM, v: 0 },
      { t: FROM + 1_800_000, v: 5 },
      { t: TO, v: 10 },
    ]);
    const [line] = polylines(svg);
    expect(line).toHaveLength(3);
    const [a, b, c] = line;
    expect(a[0]).toBeLessThan(b[0]);
    expect(b[0]).toBeLessThan(c[0]);
    // SVG's y grows downwards
    expect(a[1]).toBeGreaterThan(b[1]);
    expect(b[1]).toBeGreaterThan(c[1]);
    // the middle sample halfway across and up
    expect(b[0]).toBeCloseTo((a[0] + c[0]) / 2, 0);
    expect(b[1]).toBeCloseTo((a[1] + c[1]) / 2, 0);
  });

  it('breaks the line where nothing was measured (null), a lone point as a dot', () => {
    const svg = chart([
      { t: FROM, v: 1 },
      { t: FROM + 10_000, v: 2 },
      { t: FROM + 20_000, v: null },
      { t: FROM + 30_000, v: 3 },
      { t: FROM + 40_000, v: null },
      { t: FROM + 50_000, v: 4 },
      { t: FROM + 60_000, v: 4 },
    ]);
    expect(polylines(svg).map((line) => line.length)).toEqual([2, 2]);
    expect(svg.match(/<circle /g)).toHaveLength(1);
  });

  it('keeps a flat zero line on the scale it is given', () => {
    const svg = chart(
      [
        { t: FROM, v: 0 },
        { t: TO, v: 0 },
      ],
      { minMax: 0.01, format: (v: number) => `${v * 1000} ms` },
    );
    expect(svg).toContain('>10 ms</text>');
  });

  it('escapes a series class name', () => {
    const svg = lineChart({
      id: 'c',
      title: 't',
      desc: 'd',
      from: FROM,
      to: TO,
      series: [
        {
          name: 'x',
          className: '"><script>',
          points: [
            { t: FROM, v: 1 },
            { t: TO, v: 1 },
          ],
        },
      ],
      format: String,
    });
    expect(svg).not.toContain('<script>');
  });
});

describe('niceMax', () => {
  it.each([
    [0, 1],
    [-3, 1],
    [Number.NaN, 1],
    [0.7, 1],
    [1, 1],
    [1.2, 2],
    [3, 5],
    [7, 10],
    [12, 20],
    [0.013, 0.02],
    [450, 500],
  ])('%p → %p', (value, expected) => {
    expect(niceMax(value)).toBeCloseTo(expected, 10);
  });
});

describe('escapeXml', () => {
  it('escapes the five XML specials', () => {
    expect(escapeXml(`<a href="x">'&'</a>`)).toBe(
      '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;',
    );
  });
});
