/** A mistake in how the CLI was called; cli.ts prints it as one line and exits 1. */
export class CliUsageError extends Error {
  override name = 'CliUsageError';
}

// Commander 11 passes stray words through silently; a typo should not run a migration.
export function rejectExtraArguments(command: string, params: string[]): void {
  if (params.length > 0) {
    throw new CliUsageError(`${command} takes no arguments (got '${params.join(' ')}')`);
  }
}
