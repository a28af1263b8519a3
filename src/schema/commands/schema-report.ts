import { MigrationPhase } from '../../config/migration-phase';
import { StoreMigrateResult, StoreSchemaStatus } from '../schema.service';

function table(rows: string[][]): string[] {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  return rows.map((row) =>
    row
      .map((cell, column) => cell.padEnd(widths[column]))
      .join('  ')
      .trimEnd(),
  );
}

/** `schema status`: one table row per migration, then one summary line per store. */
export function formatStatus(phase: MigrationPhase, statuses: StoreSchemaStatus[]): string {
  const rows: string[][] = [['STORE', 'VERSION', 'NAME', 'STATE', 'APPLIED AT']];
  for (const status of statuses) {
    const changed = new Set(status.changed.map((migration) => migration.version));
    const missing = new Set(status.missing.map((migration) => migration.version));
    for (const applied of status.applied) {
      const state = changed.has(applied.version)
        ? 'CHANGED'
        : missing.has(applied.version)
          ? 'file missing'
          : 'applied';
      rows.push([
        status.store,
        applied.version,
        applied.name,
        state,
        applied.appliedAt.toISOString(),
      ]);
    }
    for (const pending of status.pending) {
      rows.push([status.store, pending.version, pending.name, 'pending', '']);
    }
  }
  const summaries = statuses.map(
    (status) =>
      `${status.store}: ${status.applied.length} applied, ${status.pending.length} pending, ${status.changed.length} changed` +
      (status.missing.length > 0 ? `, ${status.missing.length} file(s) missing` : ''),
  );
  return [`Schema status (phase ${phase})`, ...table(rows), '', ...summaries].join('\n');
}

/** `schema status --json`: a stable shape for scripts. */
export function statusAsJson(phase: MigrationPhase, statuses: StoreSchemaStatus[]): string {
  return JSON.stringify(
    {
      phase,
      stores: statuses.map((status) => ({
        store: status.store,
        applied: status.applied.map(({ version, name, checksum, appliedAt }) => ({
          version,
          name,
          checksum,
          appliedAt: appliedAt.toISOString(),
        })),
        pending: status.pending.map(({ version, name, checksum }) => ({ version, name, checksum })),
        changed: status.changed,
        missing: status.missing.map(({ version, name }) => ({ version, name })),
      })),
    },
    null,
    2,
  );
}

/** `schema migrate [--dry-run]`: what was (or would be) applied, per store. */
export function formatMigrate(results: StoreMigrateResult[], dryRun: boolean): string {
  const lines: string[] = [];
  for (const result of results) {
    if (result.migrations.length === 0) {
      lines.push(`${result.store}: up to date (${result.alreadyApplied} applied)`);
      continue;
    }
    for (const { migration, statements } of result.migrations) {
      lines.push(`${result.store}: ${dryRun ? 'would apply' : 'applied'} ${migration.fileName}`);
      if (dryRun)
        lines.push(...statements.map((statement) => `    ${statement.replace(/\s+/g, ' ')}`));
    }
  }
  if (dryRun) lines.push('Dry run: nothing was changed.');
  return lines.join('\n');
}
