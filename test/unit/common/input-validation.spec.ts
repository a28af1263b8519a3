import { CommentInputDto } from '../../../src/posts/comments/dto/comment-input.dto';
import { IsString } from 'class-validator';
import {
  EXTRA_KEYS,
  InputValidationException,
  MAX_LISTED_PROBLEMS,
  validateInput,
} from '../../../src/common/validation/input-validation';
import { PostEditDto } from '../../../src/posts/dto/post-edit.dto';
import { PostInputDto } from '../../../src/posts/dto/post-input.dto';

const valid = { title: 'Hello', content: 'Body' };

describe('validateInput', () => {
  it('returns the trimmed DTO for valid input', () => {
    const result = validateInput(PostInputDto, { title: ' Hi ', content: 'x' });
    expect(result).toEqual({ ok: true, value: expect.objectContaining({ title: 'Hi' }) });
  });

  it('gives one message per field and keeps the strings that were sent', () => {
    const result = validateInput(PostInputDto, {
      title: '  ',
      author: { $gt: '' },
      content: 'kept',
      admin: 'yes',
    });
    expect(result).toEqual({
      ok: false,
      errors: {
        title: 'Title must be 1 to 200 characters.',
        author: 'Author comes from your account; leave it out.',
        admin: 'admin is not a field of this form.',
      },
      values: { title: '  ', content: 'kept', admin: 'yes' },
    });
  });

  it('treats a missing body as no fields and rejects a body that is not an object', () => {
    const missing = validateInput(CommentInputDto, undefined);
    expect(missing.ok || Object.keys(missing.errors).sort()).toEqual(['comment', 'commenter']);
    expect(validateInput(CommentInputDto, ['a'])).toMatchObject({
      ok: false,
      errors: { body: expect.any(String) },
    });
  });

  it.each([
    ['title', 'a\tb'],
    ['title', 'a\nb'],
    ['title', 'a\u0000b'],
    ['content', 'a\u0007b'],
    ['content', 'a\u001bb'],
    ['content', 'a\u0085b'],
    ['title', 'lone \ud800 surrogate'],
    ['content', 'lone \udc00'],
  ])('rejects a control character in %s (%j)', (field, text) => {
    const result = validateInput(PostInputDto, { ...valid, [field]: text });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors[field]).toMatch(/control characters/);
  });

  it('allows emoji (surrogate pairs) in every text field', () => {
    expect(validateInput(PostInputDto, { title: '🚀 ok', content: '😀' }).ok).toBe(true);
  });

  it('allows line breaks and tabs in content and comments, storing CRLF as LF', () => {
    const post = validateInput(PostInputDto, { ...valid, content: 'a\r\n\tb\rc' });
    expect(post).toMatchObject({ ok: true, value: { content: 'a\n\tb\nc' } });
    const comment = validateInput(CommentInputDto, { commenter: 'Bo', comment: 'x\r\ny' });
    expect(comment).toMatchObject({ ok: true, value: { comment: 'x\ny' } });
  });

  describe('the edit version', () => {
    it.each([
      [{ version: '1764000000000000' }, '1764000000000000'],
      [{ version: 1764000000000000 }, '1764000000000000'],
      [{ version: '' }, undefined],
      [{}, undefined],
    ])('accepts %j', (extra, expected) => {
      const result = validateInput(PostEditDto, { ...valid, ...extra });
      expect(result).toMatchObject({ ok: true });
      if (result.ok) expect(result.value.version).toBe(expected);
    });

    it.each([['12a'], ['-1'], ['99999999999999999'], ['9999999999999999'], [1.5], [{ $gt: 0 }]])(
      'rejects %j',
      (version) => {
        const result = validateInput(PostEditDto, { ...valid, version });
        expect(result.ok).toBe(false);
        if (!result.ok) expect(Object.keys(result.errors)).toEqual(['version']);
      },
    );

    it('is not accepted when creating', () => {
      expect(validateInput(PostInputDto, { ...valid, version: '1' }).ok).toBe(false);
    });
  });

  it(`refuses more keys than the form's fields plus ${EXTRA_KEYS} at once (a 400, not a form)`, () => {
    const extra = Object.fromEntries([...Array(EXTRA_KEYS + 2)].map((_, i) => [`x${i}`, 'y']));
    // PostInputDto declares title, author and content
    expect(() => validateInput(PostInputDto, { ...valid, ...extra })).toThrow(
      InputValidationException,
    );
    const fewer = validateInput(PostInputDto, {
      ...valid,
      ...Object.fromEntries(Object.entries(extra).slice(1)),
    });
    expect(fewer.ok || Object.keys(fewer.errors)).toEqual(['x1', 'x2', 'x3', 'x4', 'x5']);
  });

  it("refuses objects and arrays in text fields with the field's own message", () => {
    const result = validateInput(PostInputDto, { title: ['a', 'b'], content: { toString: 'x' } });
    expect(result).toMatchObject({
      ok: false,
      errors: { title: 'Title must be text.', content: 'Content must be text.' },
      values: {},
    });
  });

  it('refuses null in a field, optional ones included, as not text', () => {
    const result = validateInput(CommentInputDto, { comment: 'Hi', commenter: null });
    expect(result.ok || result.errors).toEqual({ commenter: expect.stringMatching(/text/) });
    expect(validateInput(PostEditDto, { ...valid, version: null }).ok).toBe(false);
  });

  it.each(['__proto__', '__defineGetter__', 'constructor', 'toString'])(
    'refuses a `%s` key by name; it never reaches class-transformer',
    (key) => {
      const body = JSON.parse(`{"title":"T","content":"c","${key}":{"$gt":""}}`) as object;
      const result = validateInput(PostInputDto, body);
      expect(result.ok || result.errors).toEqual({ [key]: `${key} is not a field of this form.` });
      expect(({} as Record<string, unknown>).$gt).toBeUndefined();
    },
  );

  it(`lists at most ${MAX_LISTED_PROBLEMS} problems`, () => {
    class Wide {}
    for (let i = 0; i < 15; i++)
      IsString({ message: `f${i} must be text.` })(Wide.prototype, `f${i}`);
    const body = Object.fromEntries([...Array(15)].map((_, i) => [`f${i}`, i]));
    const result = validateInput(Wide, body);
    expect(result.ok || Object.keys(result.errors)).toHaveLength(MAX_LISTED_PROBLEMS);
  });
});
