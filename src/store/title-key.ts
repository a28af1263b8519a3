/**
 * The alphabetical sort key of a title, the same in every store: accents and case folded
 * ("Émile" sorts with "emile"), runs of white space collapsed, digits and emoji kept as they are.
 * MongoDB keeps it in `title_key` (FerretDB 1.24 has no collations); Cassandra clusters on it.
 */
export function titleKey(title: string): string {
  return title
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * The partition of the alphabetical listing a title belongs to: the first character of its key
 * when it is a letter or digit, else '#' (punctuation, emoji, other scripts share one bucket).
 */
export function titlePrefix(key: string): string {
  const first = Array.from(key)[0] ?? '';
  return /^[a-z0-9]$/.test(first) ? first : '#';
}

/** The order of the alphabetical listing's partitions: '#' first, then 0-9, then a-z. */
export const TITLE_PREFIXES: readonly string[] = [
  '#',
  ...'0123456789'.split(''),
  ...'abcdefghijklmnopqrstuvwxyz'.split(''),
];
