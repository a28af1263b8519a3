/** A command that would lose or clobber data refuses, changing nothing; cli.ts prints one line. */
export class RefusedError extends Error {
  override name = 'RefusedError';
}
