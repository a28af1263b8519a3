import {
  decodeCommentCursor,
  decodeCursor,
  encodeCommentCursor,
  encodeCursor,
  InvalidCursorError,
  MAX_CURSOR_DATE_MS,
  MIN_CURSOR_DATE_MS,
} from '../../../src/store/cursor';
import { MAX_TITLE_KEY_LENGTH, titleKey } from '../../../src/kinds/title-key';
import { parseCursor } from '../../../src/posts/list-query';
import { newId } from '../../../src/store/versions';

const id = newId();
const raw = (payload: unknown[]) => Buffer.from(JSON.stringify(payload)).toString('base64url');

describe('cursors hold only their real ranges (400, never a 500 further down)', () => {
  it.each([
    ['9e15 ms (beyond any JavaScript date)', 9e15],
    ['-9e15 ms', -9e15],
    ['year 10000', MAX_CURSOR_DATE_MS + 1],
    ['year 0', MIN_CURSOR_DATE_MS - 1],
    ['a fraction', 1.5],
  ])('refuses a date cursor of %s', (_what, key) => {
    expect(() => decodeCursor(raw(['newest', key, id, 'a']), 'newest')).toThrow(InvalidCursorError);
    expect(() => decodeCommentCursor(raw([key, id]))).toThrow(InvalidCursorError);
    expect(() => parseCursor({ cursor: raw(['oldest', key, id, 'b']) }, 'oldest')).toThrow(
      InvalidCursorError,
    );
  });

  it('accepts the first and last dates of the range, for posts and comments', () => {
    for (const key of [MIN_CURSOR_DATE_MS, MAX_CURSOR_DATE_MS, 0]) {
      const cursor = { sort: 'oldest' as const, key, id, direction: 'after' as const };
      expect(decodeCursor(encodeCursor(cursor), 'oldest')).toEqual(cursor);
      expect(decodeCommentCursor(encodeCommentCursor(new Date(key), id))).toEqual({
        createdAt: new Date(key),
        id,
      });
    }
  });

  it('parseCursor checks the cursor against the sort before any store sees it', () => {
    const newest = encodeCursor({ sort: 'newest', key: 1, id, direction: 'after' });
    expect(parseCursor({ cursor: newest }, 'newest')).toBe(newest);
    expect(() => parseCursor({ cursor: newest }, 'title')).toThrow(InvalidCursorError);
  });

  it('carries the longest title key, even of lone surrogates and quotes, and nothing longer', () => {
    for (const unit of ['\ud800', '"', '字', 'a']) {
      const key = unit.repeat(MAX_TITLE_KEY_LENGTH);
      const cursor = { sort: 'title' as const, key, id, direction: 'after' as const };
      expect(decodeCursor(encodeCursor(cursor), 'title')).toEqual(cursor);
    }
    const long = { sort: 'title' as const, key: 'a'.repeat(MAX_TITLE_KEY_LENGTH + 1), id };
    expect(() => decodeCursor(encodeCursor({ ...long, direction: 'after' }), 'title')).toThrow(
      InvalidCursorError,
    );
  });
});

describe('title keys are bounded', () => {
  it('cut a 200-character title of U+FDFA (3 600 units folded) to the bound', () => {
    const key = titleKey('\ufdfa'.repeat(200));
    expect('\ufdfa'.normalize('NFKD')).toHaveLength(18);
    expect(key).toHaveLength(MAX_TITLE_KEY_LENGTH);
    const cursor = { sort: 'title' as const, key, id, direction: 'after' as const };
    expect(decodeCursor(encodeCursor(cursor), 'title')).toEqual(cursor);
  });

  it('leave every key within the bound as it was (so stored keys that could page stay valid)', () => {
    const at = 'x'.repeat(MAX_TITLE_KEY_LENGTH - 2) + 'ÉA';
    expect(titleKey(at)).toBe('x'.repeat(MAX_TITLE_KEY_LENGTH - 2) + 'ea');
    expect(titleKey('Émile  Zola')).toBe('emile zola');
  });

  it('never end in half of a surrogate pair', () => {
    const key = titleKey('a' + '🚀'.repeat(MAX_TITLE_KEY_LENGTH));
    expect(key).toHaveLength(MAX_TITLE_KEY_LENGTH - 1);
    expect(key).not.toMatch(/[\ud800-\udbff]$/);
    expect(Buffer.from(key, 'utf8').toString('utf8')).toBe(key);
  });
});
