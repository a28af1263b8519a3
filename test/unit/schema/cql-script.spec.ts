import {
  renderCqlMigration,
  splitCqlStatements,
  substitutePlaceholders,
} from '../../../src/schema/cql-script';
import { MigrationFileError } from '../../../src/schema/migration-file';

describe('CQL scripts', () => {
  it('splits on semicolons and drops comments and blank statements', () => {
    const script = [
      '-- a comment; with a semicolon',
      'CREATE TABLE a (id text PRIMARY KEY); -- trailing comment',
      '// another comment style',
      '/* block; comment */',
      'CREATE TABLE b (id text PRIMARY KEY)',
      ';;',
      '',
    ].join('\n');
    expect(splitCqlStatements(script)).toEqual([
      'CREATE TABLE a (id text PRIMARY KEY)',
      'CREATE TABLE b (id text PRIMARY KEY)',
    ]);
  });

  it('keeps a last statement without a semicolon', () => {
    expect(splitCqlStatements('SELECT 1')).toEqual(['SELECT 1']);
  });

  it('does not split inside string literals, quoted names or $$ literals', () => {
    const script =
      "CREATE TABLE t (x text) WITH comment = 'it''s; fine -- really';\n" +
      'CREATE TABLE "odd;name" (x text);\n' +
      'INSERT INTO t (x) VALUES ($$a;b$$)';
    expect(splitCqlStatements(script)).toEqual([
      "CREATE TABLE t (x text) WITH comment = 'it''s; fine -- really'",
      'CREATE TABLE "odd;name" (x text)',
      'INSERT INTO t (x) VALUES ($$a;b$$)',
    ]);
  });

  it('reports an unterminated literal', () => {
    expect(() => splitCqlStatements("SELECT 'oops")).toThrow(MigrationFileError);
  });

  it('substitutes known placeholders, with or without spaces', () => {
    expect(substitutePlaceholders('USE {{keyspace}}; {{ keyspace }}', { keyspace: 'blog' })).toBe(
      'USE blog; blog',
    );
  });

  it('rejects an unknown placeholder instead of leaving it empty', () => {
    expect(() => substitutePlaceholders('{{keyspce}}.posts', { keyspace: 'blog' })).toThrow(
      /unknown placeholder \{\{keyspce\}\}/,
    );
  });

  it('renders a migration: comments out, placeholders in', () => {
    const script =
      '-- {{ignored}} in a comment is fine\n' +
      'CREATE KEYSPACE IF NOT EXISTS {{keyspace}} WITH replication = {{replication}};\n' +
      'CREATE TABLE IF NOT EXISTS {{keyspace}}.t (id text PRIMARY KEY);';
    expect(
      renderCqlMigration(script, {
        keyspace: 'ks1',
        replication: "{'class': 'SimpleStrategy', 'replication_factor': 1}",
      }),
    ).toEqual([
      "CREATE KEYSPACE IF NOT EXISTS ks1 WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}",
      'CREATE TABLE IF NOT EXISTS ks1.t (id text PRIMARY KEY)',
    ]);
  });
});
