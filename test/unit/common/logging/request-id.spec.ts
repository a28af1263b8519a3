import { MAX_REQUEST_ID_LENGTH, requestIdFrom } from '../../../../src/common/logging/request-id';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('requestIdFrom (the X-Request-Id a request is known by)', () => {
  it.each([
    'b3f1c0de-7a8e-4c1f-9a51-0f8c0e6e2d11',
    '4bf92f3577b34da6a3ce929d0e0e4736',
    'proxy-7f3a.2:b',
    'aGVsbG8_d29ybGQ-',
    'Root=1-5759e988-bd862e3fe1be46a994272793',
    'a'.repeat(MAX_REQUEST_ID_LENGTH),
  ])('keeps a sane token: %s', (id) => {
    expect(requestIdFrom(id)).toBe(id);
  });

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['not text (a repeated header as an array)', ['a', 'b']],
    ['too long', 'a'.repeat(MAX_REQUEST_ID_LENGTH + 1)],
    ['with a space', 'a b'],
    ['with a newline (a forged log line)', 'a\n{"level":"error"}'],
    ['with a carriage return', 'a\rb'],
    ['with markup', '<script>alert(1)</script>'],
    ['with quotes', 'a"b\'c'],
    ['with a control character', 'a\u0000b'],
    ['with non-ASCII', 'réquête'],
    ['joined from two headers', 'a, b'],
    ['starting with punctuation', '-rf'],
    ['a semicolon', 'a;b'],
  ])('replaces a value that is %s with a new UUID', (_name, value) => {
    const id = requestIdFrom(value);
    expect(id).toMatch(UUID);
    expect(id).not.toBe(value);
  });

  it('makes a new id each time', () => {
    expect(requestIdFrom(undefined)).not.toBe(requestIdFrom(undefined));
  });
});
