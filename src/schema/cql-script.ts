import { MigrationFileError } from './migration-file';

/**
 * Splits a CQL script into statements on `;`, dropping `--`, `//` and `/* *\/` comments.
 * Semicolons inside '...' strings, "..." identifiers and $$...$$ literals do not split.
 */
export function splitCqlStatements(script: string): string[] {
  const statements: string[] = [];
  let current = '';
  let i = 0;
  while (i < script.length) {
    const two = script.slice(i, i + 2);
    const char = script[i];
    if (two === '--' || two === '//') {
      const end = script.indexOf('\n', i);
      i = end === -1 ? script.length : end;
    } else if (two === '/*') {
      const end = script.indexOf('*/', i + 2);
      if (end === -1) throw new MigrationFileError('unterminated /* comment in CQL script');
      i = end + 2;
    } else if (char === "'" || char === '"' || two === '$$') {
      const opener = two === '$$' ? '$$' : char;
      let end = i + opener.length;
      for (;;) {
        end = script.indexOf(opener, end);
        if (end === -1)
          throw new MigrationFileError(`unterminated ${opener} literal in CQL script`);
        // A doubled quote is an escaped quote inside the literal, not its end.
        if (opener !== '$$' && script[end + 1] === opener) {
          end += 2;
          continue;
        }
        break;
      }
      current += script.slice(i, end + opener.length);
      i = end + opener.length;
    } else if (char === ';') {
      statements.push(current);
      current = '';
      i++;
    } else {
      current += char;
      i++;
    }
  }
  statements.push(current);
  return statements.map((statement) => statement.trim()).filter((statement) => statement !== '');
}

/** Replaces `{{name}}` placeholders; an unknown placeholder is an error, not an empty string. */
export function substitutePlaceholders(text: string, values: Record<string, string>): string {
  return text.replace(/\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g, (_match, key: string) => {
    if (!Object.prototype.hasOwnProperty.call(values, key)) {
      throw new MigrationFileError(
        `unknown placeholder {{${key}}} (known: ${Object.keys(values).join(', ')})`,
      );
    }
    return values[key];
  });
}

/** The statements of a Cassandra migration, ready to run. */
export function renderCqlMigration(script: string, values: Record<string, string>): string[] {
  return splitCqlStatements(script).map((statement) => substitutePlaceholders(statement, values));
}
