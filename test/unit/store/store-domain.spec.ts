import { decodeCursor, encodeCursor, InvalidCursorError } from '../../../src/store/cursor';
import { compareUtf8, excerptOf, EXCERPT_LENGTH } from '../../../src/store/post';
import { titleKey, titlePrefix } from '../../../src/kinds/title-key';
import { deleteVersion, isValidId, newId, nextVersion } from '../../../src/store/versions';

describe('versions', () => {
  it('grow on every change and are microseconds of now', () => {
    const before = Date.now() * 1000;
    const versions = Array.from({ length: 1000 }, () => nextVersion());
    for (let i = 1; i < versions.length; i++) expect(versions[i]).toBeGreaterThan(versions[i - 1]);
    expect(versions[0]).toBeGreaterThanOrEqual(before);
    expect(versions[999]).toBeLessThan((Date.now() + 1000) * 1000);
  });

  it('stay above a previous version written by a machine whose clock runs ahead', () => {
    const ahead = (Date.now() + 60_000) * 1000;
    expect(nextVersion(ahead)).toBe(ahead + 1);
    expect(deleteVersion(ahead)).toBeGreaterThan(ahead);
  });

  it('are exact as plain numbers for centuries', () => {
    expect(Number.isSafeInteger(nextVersion())).toBe(true);
  });
});

describe('ids', () => {
  it('are 24 hex characters, unique, starting with the creation second', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newId()));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(isValidId(id)).toBe(true);
    const at = new Date('2026-11-24T12:00:00Z');
    expect(parseInt(newId(at).slice(0, 8), 16)).toBe(at.getTime() / 1000);
    expect(newId(new Date('2030-01-01')) > newId(new Date('2026-01-01'))).toBe(true);
  });

  it.each([
    ['x'],
    [''],
    ['0123456789abcdef0123456G'],
    ['0123456789ABCDEF01234567'],
    [{ $ne: 1 }],
    [42],
  ])('rejects %j', (id) => expect(isValidId(id)).toBe(false));
});

describe('title keys', () => {
  it('fold case and accents and collapse spaces, keeping digits and emoji', () => {
    expect(titleKey('  Émile   ZOLA ')).toBe('emile zola');
    expect(titleKey('Ångström')).toBe(titleKey('angstrom'));
    expect(titleKey('42 Rocket 🚀')).toBe('42 rocket 🚀');
  });

  it('put each ASCII first character in its own partition and the rest of Unicode in one', () => {
    expect(titlePrefix(titleKey('Émile'))).toBe('e');
    expect(titlePrefix('7 wonders')).toBe('7');
    expect(titlePrefix('!bang')).toBe('!');
    expect(titlePrefix('🚀 launch')).toBe(titlePrefix('¿qué?'));
    expect(titlePrefix(titleKey('\u0301'))).toBe(' ');
  });

  it('order partitions exactly as the keys inside them (by UTF-8 bytes)', () => {
    const titles = [
      ...'abcxyzABC0189!#~[_`{'.split(''),
      '¿qué?',
      'Ωmega',
      '🚀 launch',
      'ßtraße',
      'øre',
      '日本',
      '\u0301',
      'Émile',
      'zz',
      'a b',
    ];
    const keys = titles.map(titleKey);
    const byKey = [...keys].sort(compareUtf8);
    const byPartitionThenKey = [...keys].sort(
      (a, b) => compareUtf8(titlePrefix(a), titlePrefix(b)) || compareUtf8(a, b),
    );
    expect(byPartitionThenKey).toEqual(byKey);
  });
});

describe('cursors', () => {
  const id = newId();

  it('round-trip for each sort', () => {
    const date = { sort: 'newest' as const, key: 1764000000000, id, direction: 'after' as const };
    expect(decodeCursor(encodeCursor(date), 'newest')).toEqual(date);
    const title = {
      sort: 'title-desc' as const,
      key: 'émile 🚀',
      id,
      direction: 'before' as const,
    };
    expect(decodeCursor(encodeCursor(title), 'title-desc')).toEqual(title);
  });

  it.each([
    ['garbage', 'newest'],
    ['', 'newest'],
    [Buffer.from('{"a":1}').toString('base64url'), 'newest'],
    [Buffer.from(JSON.stringify(['newest', 'x', 'abc', 'a'])).toString('base64url'), 'newest'],
    [Buffer.from(JSON.stringify(['newest', 1, 'abc', 'a'])).toString('base64url'), 'newest'],
    [
      Buffer.from(JSON.stringify(['title', 'a', '0'.repeat(24), 'z'])).toString('base64url'),
      'title',
    ],
  ])('rejects %s for %s', (raw, sort) => {
    expect(() => decodeCursor(raw, sort as 'newest')).toThrow(InvalidCursorError);
  });

  it('rejects a cursor of another sort', () => {
    const raw = encodeCursor({ sort: 'newest', key: 1, id, direction: 'after' });
    expect(() => decodeCursor(raw, 'oldest')).toThrow(InvalidCursorError);
  });
});

describe('excerpts', () => {
  it('keep short content whole and cut long content on a character, not inside an emoji', () => {
    expect(excerptOf('  Hello \n world ')).toBe('Hello world');
    const long = '🚀'.repeat(EXCERPT_LENGTH + 5);
    const cut = excerptOf(long);
    expect(Array.from(cut)).toHaveLength(EXCERPT_LENGTH + 1);
    expect(cut.endsWith('…')).toBe(true);
    expect(cut).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
  });
});
