/**
 * The alphabetical sort key of a title, the same in every store: accents and case folded
 * ("Émile" sorts with "emile"), runs of white space collapsed, digits and emoji kept as they are.
 * MongoDB keeps it in `title_key` (FerretDB 1.24 has no collations); Cassandra clusters on it.
 * Keys compare by UTF-8 bytes everywhere (compareUtf8, MongoDB's and Cassandra's text order).
 */
export function titleKey(title: string): string {
  return title
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();
}

/** The partition of keys that fold to nothing (a title of combining marks only). */
const EMPTY_PREFIX = ' ';
/** One partition for every key that starts outside ASCII: other scripts, symbols, emoji. */
const NON_ASCII_PREFIX = '\u0080';

/**
 * The partition of the alphabetical listing a title key belongs to. Partitions are visited in
 * their own byte order, so that order must agree with the byte order of the keys inside them:
 * an ASCII first character is its own partition (about 70 at most: letters, digits,
 * punctuation), every key starting outside ASCII shares U+0080 (whose UTF-8 bytes sort after all
 * ASCII and before every other non-ASCII character), and an empty key gets ' ' (keys are trimmed,
 * so no other key starts with a space).
 */
export function titlePrefix(key: string): string {
  const first = key.codePointAt(0);
  if (first === undefined) return EMPTY_PREFIX;
  return first < 0x80 ? String.fromCodePoint(first) : NON_ASCII_PREFIX;
}
