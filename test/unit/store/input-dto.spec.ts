import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { CommentInputDto } from '../../../src/posts/comments/dto/comment-input.dto';
import { PostInputDto } from '../../../src/posts/dto/post-input.dto';

/** Validates like the app's global ValidationPipe (whitelist, forbidNonWhitelisted, transform). */
async function problems<T extends object>(cls: new () => T, body: unknown) {
  const dto = plainToInstance(cls, body);
  const errors = await validate(dto as object, { whitelist: true, forbidNonWhitelisted: true });
  return { dto, fields: errors.map((e) => e.property).sort() };
}

const valid = { title: 'Hello', content: 'Body' };

describe('PostInputDto', () => {
  it('accepts a valid post and trims it', async () => {
    const { dto, fields } = await problems(PostInputDto, {
      title: '  Hi  ',
      content: ' x ',
    });
    expect(fields).toEqual([]);
    expect(dto).toMatchObject({ title: 'Hi', content: 'x' });
  });

  it.each([
    [{ ...valid, title: '   ' }, ['title']],
    [{ ...valid, title: 'x'.repeat(201) }, ['title']],
    // the author is the signed-in account: a body naming one is refused, even empty
    [{ ...valid, author: 'Ada' }, ['author']],
    [{ ...valid, author: '' }, ['author']],
    [{ ...valid, content: 'x'.repeat(50_001) }, ['content']],
    [{ ...valid, title: { $gt: '' } }, ['title']],
    [{ ...valid, author: ['a'] }, ['author']],
    [{ ...valid, content: 42 }, ['content']],
    [{ ...valid, admin: true }, ['admin']],
    [{ ...valid, title: 'tab\there' }, ['title']],
    [{ ...valid, content: 'escape \u001b[31m red' }, ['content']],
    [{}, ['content', 'title']],
  ])('rejects %j on %j', async (body, expected) => {
    expect((await problems(PostInputDto, body)).fields).toEqual(expected);
  });

  it('counts characters, not UTF-16 units: 200 emoji are a valid title', async () => {
    expect((await problems(PostInputDto, { ...valid, title: '🚀'.repeat(200) })).fields).toEqual(
      [],
    );
  });
});

describe('CommentInputDto', () => {
  it.each([
    [{ commenter: 'Bo', comment: 'Nice' }, []],
    [{ commenter: '', comment: 'Nice' }, ['commenter']],
    [{ commenter: 'Bo', comment: 'x'.repeat(5001) }, ['comment']],
    [{ commenter: { $ne: null }, comment: 'x' }, ['commenter']],
    [{ commenter: 'Bo', comment: 'x', postId: 'other' }, ['postId']],
    [{ commenter: 'Bo\nBo', comment: 'x' }, ['commenter']],
    [{ commenter: 'Bo', comment: 'two\nlines\tand a tab' }, []],
    [{ commenter: 'Bo', comment: 'nul \u0000' }, ['comment']],
  ])('%j → problems in %j', async (body, expected) => {
    expect((await problems(CommentInputDto, body)).fields).toEqual(expected);
  });
});
