import { StoreName } from '../config/migration-phase';
import { CliUsageError } from './cli-usage';

/** A whole number within bounds, or a one-line usage error naming the option. */
export function integerOption(flag: string, raw: string, min: number, max: number): number {
  if (!/^\d{1,9}$/.test(raw) || +raw < min || +raw > max) {
    throw new CliUsageError(`${flag} must be a whole number from ${min} to ${max} (got '${raw}')`);
  }
  return Number(raw);
}

export function storeOption(flag: string, raw: string): StoreName {
  if (raw !== 'mongo' && raw !== 'cassandra') {
    throw new CliUsageError(`${flag} must be mongo or cassandra (got '${raw}')`);
  }
  return raw;
}

/** An option a command cannot run without (`--out FILE`). */
export function requiredOption(command: string, flag: string, value: string | undefined): string {
  if (!value) throw new CliUsageError(`${command} needs ${flag} FILE`);
  return value;
}
