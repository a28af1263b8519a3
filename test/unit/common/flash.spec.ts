import { flashCookie, flashFor } from '../../../src/common/http/flash';

describe('flash messages', () => {
  it('reads the flash cookie among others', () => {
    expect(flashCookie('a=1; flash=created; b=2')).toBe('created');
    expect(flashCookie('a=1')).toBeUndefined();
    expect(flashCookie(undefined)).toBeUndefined();
  });

  it('shows only messages from the fixed list, never the cookie text', () => {
    expect(flashFor('deleted')).toEqual({ key: 'deleted', text: expect.any(String) });
    expect(flashFor('<script>')).toBeUndefined();
    expect(flashFor('toString')).toBeUndefined();
    expect(flashFor(undefined)).toBeUndefined();
  });
});
