import {
  BodyShapeError,
  checkJsonShape,
  MAX_BODY_DEPTH,
  MAX_BODY_KEYS,
  verifyJsonBody,
} from '../../../src/common/validation/body-limits';

const check = (text: string) => () => checkJsonShape(Buffer.from(text, 'utf8'));
const keys = (n: number) => `{${[...Array(n)].map((_, i) => `"k${i}":1`).join(',')}}`;

describe('checkJsonShape: a JSON body no form could be, refused before it is parsed', () => {
  it(`accepts up to ${MAX_BODY_KEYS} keys and refuses one more`, () => {
    expect(check(keys(MAX_BODY_KEYS))).not.toThrow();
    expect(check(keys(MAX_BODY_KEYS + 1))).toThrow(BodyShapeError);
  });

  it('counts keys at every level, and array values', () => {
    expect(check(`{"a":${keys(MAX_BODY_KEYS)}}`)).toThrow(/more fields than any form/);
    expect(check(`{"a":[${'1,'.repeat(200)}1]}`)).toThrow(/more fields than any form/);
  });

  it(`allows ${MAX_BODY_DEPTH} levels (a field's value may be an object) and no more`, () => {
    expect(check('{"title":{"$gt":""},"tags":["a","b"]}')).not.toThrow();
    expect(check('{"title":{"$gt":{"x":1}}}')).toThrow(/nests values too deeply/);
    expect(check(`${'['.repeat(5000)}${']'.repeat(5000)}`)).toThrow(/nests values too deeply/);
  });

  it('does not count punctuation inside strings, escaped quotes included', () => {
    const text = ':,{['.repeat(1000);
    expect(check(JSON.stringify({ title: text, content: `a\\"${text}"\\\\` }))).not.toThrow();
    expect(check(JSON.stringify({ title: '😀é', content: '\u00ff:' }))).not.toThrow();
  });

  it('leaves malformed text to JSON.parse (an unterminated string ends the scan)', () => {
    expect(check('{"title": "no end')).not.toThrow();
  });

  it('refuses a charset other than UTF-8 with 415 (its bytes could hide punctuation)', () => {
    expect(() => verifyJsonBody(null, null, Buffer.from('{}'), 'utf-16le')).toThrow(
      expect.objectContaining({ status: 415 }),
    );
    expect(() => verifyJsonBody(null, null, Buffer.from('{}'), 'utf-8')).not.toThrow();
  });

  it('scans the largest valid body in a few milliseconds', () => {
    const body = Buffer.from(JSON.stringify({ title: 'x', content: '😀:,'.repeat(150_000) }));
    const started = performance.now();
    checkJsonShape(body);
    expect(performance.now() - started).toBeLessThan(500);
  });
});
