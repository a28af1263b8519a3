import { EXCERPT_LENGTH, excerptOf } from '../../../src/store/post';

/** The excerpt as first defined: collapse, trim, then cut by characters. */
function reference(content: string): string {
  const chars = Array.from(content.replace(/\s+/g, ' ').trim());
  return chars.length <= EXCERPT_LENGTH
    ? chars.join('')
    : `${chars.slice(0, EXCERPT_LENGTH).join('')}…`;
}

const PIECES = ['a', 'é', '🚀', ' ', '  ', '\n', '\t', '\u00a0', 'word', 'e\u0301', '日本'];

function randomContent(length: number): string {
  let text = '';
  while (text.length < length) text += PIECES[Math.floor(Math.random() * PIECES.length)];
  return text;
}

describe('excerptOf', () => {
  it.each([
    ['', ''],
    ['   ', ''],
    ['  two   words  ', 'two words'],
    ['x'.repeat(200), 'x'.repeat(200)],
    ['x'.repeat(201), `${'x'.repeat(200)}…`],
    [`${'x'.repeat(200)}   `, 'x'.repeat(200)],
    [`${'x'.repeat(199)} y`, `${'x'.repeat(199)} …`],
    [`${'x'.repeat(200)} y`, `${'x'.repeat(200)}…`],
    ['🚀'.repeat(201), `${'🚀'.repeat(200)}…`],
  ])('%j → %j', (content, expected) => {
    expect(excerptOf(content)).toBe(expected);
    expect(reference(content)).toBe(expected);
  });

  it('agrees with collapse-trim-cut on 5000 random contents around the limit', () => {
    for (let i = 0; i < 5000; i++) {
      const content = randomContent(150 + Math.floor(Math.random() * 200));
      expect(excerptOf(content)).toBe(reference(content));
    }
  });
});
