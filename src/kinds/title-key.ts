/**
 * The longest title key, in UTF-16 code units. Folding can expand a title a lot (U+FDFA becomes
 * 18 characters: a 200-character title, 3 600), and a key travels in every page cursor, so it is
 * cut here; titles that share their first MAX_TITLE_KEY_LENGTH units tie, and ties are broken by
 * id like any other. 1 000 is the length page cursors have always accepted: every key that could
 * page before is unchanged, and only keys that could not (longer ones) are now cut. Stored ones
 * (MongoDB's title_key, Cassandra's posts_by_title rows and title_keys entries) are rewritten
 * whenever the post is written again; until then `migrate verify` lists them as derived-row
 * differences and `migrate reconcile` repairs them.
 */
export const MAX_TITLE_KEY_LENGTH = 1000;

/**
 * The alphabetical sort key of a title, the same in every store: accents and case folded
 * ("Émile" sorts with "emile"), runs of white space collapsed, digits and emoji kept as they are,
 * at most MAX_TITLE_KEY_LENGTH code units (never half of a surrogate pair).
 * MongoDB keeps it in `title_key` (FerretDB 1.24 has no collations); Cassandra clusters on it.
 * Keys compare by UTF-8 bytes everywhere (compareUtf8, MongoDB's and Cassandra's text order).
 */
export function titleKey(title: string): string {
  const key = title
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();
  if (key.length <= MAX_TITLE_KEY_LENGTH) return key;
  const cut = key.slice(0, MAX_TITLE_KEY_LENGTH);
  const last = cut.charCodeAt(cut.length - 1);
  // a high surrogate whose pair was cut would be stored as U+FFFD and compare differently
  return last >= 0xd800 && last <= 0xdbff ? cut.slice(0, -1) : cut;
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
