/** A moment as a page shows it: machine-readable for <time datetime>, and a short UTC text. */
export interface DateView {
  iso: string;
  text: string;
}

// UTC and a fixed format: the server can't know the reader's zone, and this reads the same everywhere.
export function dateView(date: Date): DateView {
  const iso = date.toISOString();
  return { iso, text: `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC` };
}

/** "1 comment", "3 comments". */
export function counted(count: number, one: string, many: string): string {
  return `${count.toLocaleString('en-US')} ${count === 1 ? one : many}`;
}
