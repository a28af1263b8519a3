/** Markdown for the generated docs: tables in prettier's layout, numbers as the docs write them. */

export type Align = 'left' | 'right';

/** Markdown text (labels, notes) made safe for one table cell or line: no break, no bare pipe. */
export function cell(markdown: string): string {
  return markdown.replace(/\r?\n/g, ' ').replace(/(?<!\\)\|/g, '\\|');
}

/**
 * Raw text (a command, a line of its output) as inline code, shown exactly: a fence longer than
 * any run of backticks inside, and in a table cell the pipes escaped (GFM reads them first).
 */
export function codeSpan(text: string, inTable = false): string {
  const flat = text.replace(/\r?\n/g, ' ');
  if (!flat) return '';
  const longest = Math.max(0, ...(flat.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') ? ' ' : '';
  const body = inTable ? flat.replace(/\|/g, '\\|') : flat;
  return `${fence}${pad}${body}${pad}${fence}`;
}

/** A markdown table in prettier's layout: padded cells, `---:` for right-aligned columns. */
export function table(head: string[], rows: string[][], align: Align[]): string {
  const width = (text: string) => [...text].length;
  const widths = head.map((h, i) => Math.max(3, width(h), ...rows.map((r) => width(r[i] ?? ''))));
  const pad = (text: string, i: number) => {
    const fill = ' '.repeat(widths[i] - width(text));
    return align[i] === 'right' ? fill + text : text + fill;
  };
  const line = (cells: string[]) => `| ${cells.map((c, i) => pad(c ?? '', i)).join(' | ')} |`;
  const rule = `| ${widths.map((w, i) => (align[i] === 'right' ? `${'-'.repeat(w - 1)}:` : '-'.repeat(w))).join(' | ')} |`;
  return [line(head), rule, ...rows.map(line)].join('\n');
}

/** 1234567 → "1 234 567" (the thousands spaced, as the docs write numbers). */
export function grouped(n: number): string {
  const sign = n < 0 ? '-' : '';
  return sign + String(Math.round(Math.abs(n))).replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
}

/** Free-text notes (transcribed results only), one paragraph each. */
export function notes(list: string[] | undefined): string {
  return (list ?? []).map(cell).join('\n\n');
}

/** Blocks of markdown, the empty ones left out, a blank line between. */
export function join(blocks: Array<string | string[]>): string {
  return blocks
    .map((block) => (Array.isArray(block) ? block.join('\n') : block))
    .filter((block) => block.length > 0)
    .join('\n\n');
}
