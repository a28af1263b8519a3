import { InputValidationException } from '../../../src/common/validation/input-validation';
import { parseCursor, parseLimit, parseSort } from '../../../src/posts/list-query';

function errorFields(parse: () => unknown): string[] {
  try {
    parse();
  } catch (error) {
    if (error instanceof InputValidationException) return Object.keys(error.errors);
    throw error;
  }
  return [];
}

describe('list query', () => {
  it('defaults to newest, no cursor, 20 a page', () => {
    expect(parseSort({})).toBe('newest');
    expect(parseSort({ sort: '' })).toBe('newest');
    expect(parseCursor({})).toBeUndefined();
    expect(parseLimit({})).toBe(20);
  });

  it.each(['newest', 'oldest', 'title', 'title-desc'])('accepts sort=%s', (sort) => {
    expect(parseSort({ sort })).toBe(sort);
  });

  it.each(['1', '100', '042'])('accepts limit=%s', (limit) => {
    expect(parseLimit({ limit })).toBe(Number(limit));
  });

  it.each([
    [() => parseSort({ sort: 'TITLE' }), 'sort'],
    [() => parseSort({ sort: ['title', 'oldest'] }), 'sort'],
    [() => parseCursor({ cursor: ['a', 'b'] }), 'cursor'],
    [() => parseLimit({ limit: '0' }), 'limit'],
    [() => parseLimit({ limit: '101' }), 'limit'],
    [() => parseLimit({ limit: '1.5' }), 'limit'],
    [() => parseLimit({ limit: 'ten' }), 'limit'],
    [() => parseLimit({ limit: '-5' }), 'limit'],
  ])('rejects bad input, naming the parameter (%#)', (parse, field) => {
    expect(errorFields(parse)).toEqual([field]);
  });
});
