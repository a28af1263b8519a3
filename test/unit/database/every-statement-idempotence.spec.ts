import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import * as ts from 'typescript';
import { classifyCql } from '../../../src/database/cassandra/cql-idempotence';

const SRC = join(__dirname, '../../../src');

/** One CQL text in src/ and the `idempotent` flag it is issued with. */
interface Issued {
  where: string;
  cql: string;
  /** undefined: a statement built for a batch (checked against every batch call's flag) */
  idempotent?: boolean;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}

/** The text of a string or template literal, each `${…}` as a plain name. */
function literalText(node: ts.Node): string | undefined {
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  if (!ts.isTemplateExpression(node)) return undefined;
  return node.head.text + node.templateSpans.map((span) => `x${span.literal.text}`).join('');
}

const CQL_START = /^\s*(SELECT|INSERT|UPDATE|DELETE)\s/i;

/**
 * Collects every CQL statement the app writes down in src/, with the `idempotent` flag of the
 * call that issues it: options written in place, or a constant (READ, WRITE, LWT, …) declared
 * in the same file or imported from another.
 */
function collect(): { issued: Issued[]; batchFlags: { where: string; idempotent: boolean }[] } {
  const files = new Map<string, ts.SourceFile>();
  for (const path of sourceFiles(SRC)) {
    files.set(
      path,
      ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true),
    );
  }

  const constants = new Map<string, Map<string, ts.Expression>>();
  for (const [path, file] of files) {
    const declared = new Map<string, ts.Expression>();
    const visit = (node: ts.Node): void => {
      if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.initializer) {
        declared.set(node.name.text, node.initializer);
      }
      ts.forEachChild(node, visit);
    };
    visit(file);
    constants.set(path, declared);
  }

  const resolveImport = (file: ts.SourceFile, name: string): ts.Expression | undefined => {
    for (const statement of file.statements) {
      if (!ts.isImportDeclaration(statement)) continue;
      const named = statement.importClause?.namedBindings;
      if (!named || !ts.isNamedImports(named)) continue;
      if (!named.elements.some((element) => element.name.text === name)) continue;
      const from = (statement.moduleSpecifier as ts.StringLiteral).text;
      if (!from.startsWith('.')) return undefined;
      const target = join(file.fileName, '..', `${from}.ts`);
      return constants.get(target)?.get(name);
    }
    return undefined;
  };

  /** The `idempotent` flag an options expression sets; throws when it cannot tell. */
  const flagOf = (file: ts.SourceFile, node: ts.Expression): boolean => {
    let expression = node;
    while (ts.isAsExpression(expression) || ts.isParenthesizedExpression(expression)) {
      expression = expression.expression;
    }
    if (ts.isIdentifier(expression)) {
      const value =
        constants.get(file.fileName)?.get(expression.text) ?? resolveImport(file, expression.text);
      if (!value) throw new Error(`cannot resolve ${expression.text} in ${file.fileName}`);
      return flagOf(file, value);
    }
    if (ts.isObjectLiteralExpression(expression)) {
      let flag: boolean | undefined;
      for (const property of expression.properties) {
        if (ts.isSpreadAssignment(property)) flag = flagOf(file, property.expression);
        if (
          ts.isPropertyAssignment(property) &&
          ts.isIdentifier(property.name) &&
          property.name.text === 'idempotent'
        ) {
          const kind = property.initializer.kind;
          if (kind !== ts.SyntaxKind.TrueKeyword && kind !== ts.SyntaxKind.FalseKeyword) {
            throw new Error(`idempotent must be a literal in ${file.fileName}`);
          }
          flag = kind === ts.SyntaxKind.TrueKeyword;
        }
      }
      if (flag !== undefined) return flag;
    }
    throw new Error(`no idempotent flag in ${expression.getText()} (${file.fileName})`);
  };

  const issued: Issued[] = [];
  const batchFlags: { where: string; idempotent: boolean }[] = [];
  for (const [path, file] of files) {
    // the wrapper itself passes its callers' statements and options through
    if (path.endsWith('cassandra-client.ts')) continue;
    const where = (node: ts.Node) =>
      `${relative(SRC, path)}:${file.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
    const claimed = new Set<ts.Node>();
    const visit = (node: ts.Node): void => {
      // provenLwt(client, cql, …) runs an LWT with the LWT options (idempotent: false)
      if (
        ts.isCallExpression(node) &&
        ts.isIdentifier(node.expression) &&
        node.expression.text === 'provenLwt'
      ) {
        const cql = literalText(node.arguments[1]);
        if (cql) {
          issued.push({ where: where(node), cql, idempotent: false });
          claimed.add(node.arguments[1]);
        }
      }
      if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression)) {
        const method = node.expression.name.text;
        const [written, , options] = node.arguments;
        // a statement named first (`const cql = \`SELECT …\``) counts as written in place
        const first =
          written && ts.isIdentifier(written)
            ? (constants.get(path)?.get(written.text) ?? written)
            : written;
        const cql = first && literalText(first);
        if (['execute', 'rows', 'page'].includes(method) && cql && CQL_START.test(cql)) {
          if (!options) throw new Error(`no options at ${where(node)}`);
          issued.push({ where: where(node), cql, idempotent: flagOf(file, options) });
          claimed.add(first);
        }
        if (method === 'batch' && node.arguments.length === 2) {
          batchFlags.push({ where: where(node), idempotent: flagOf(file, node.arguments[1]) });
        }
      }
      const text = literalText(node);
      if (text && CQL_START.test(text) && !claimed.has(node)) {
        issued.push({ where: where(node), cql: text });
      }
      ts.forEachChild(node, visit);
    };
    visit(file);
  }
  return { issued, batchFlags };
}

describe('every CQL statement in src/ is issued with a true idempotent flag', () => {
  const { issued, batchFlags } = collect();

  it('finds the statements (the collector has not gone blind)', () => {
    expect(issued.filter((s) => s.idempotent !== undefined).length).toBeGreaterThanOrEqual(45);
    expect(issued.filter((s) => s.idempotent === false).length).toBeGreaterThanOrEqual(8);
    expect(issued.filter((s) => s.idempotent === undefined).length).toBeGreaterThanOrEqual(5);
    expect(batchFlags.length).toBeGreaterThanOrEqual(5);
  });

  it('marks no LWT, counter, list append or generated value idempotent', () => {
    const wrong = issued
      .filter((s) => s.idempotent === true && classifyCql(s.cql).neverIdempotent)
      .map((s) => `${s.where}: ${s.cql}`);
    expect(wrong).toEqual([]);
  });

  it('marks every other statement idempotent, so the driver may retry it', () => {
    const overCautious = issued
      .filter((s) => s.idempotent === false && !classifyCql(s.cql).neverIdempotent)
      .map((s) => `${s.where}: ${s.cql}`);
    expect(overCautious).toEqual([]);
  });

  it('builds batch statements that are all idempotent, as every batch claims', () => {
    expect(batchFlags.filter((b) => !b.idempotent)).toEqual([]);
    const built = issued
      .filter((s) => s.idempotent === undefined && classifyCql(s.cql).neverIdempotent)
      .map((s) => `${s.where}: ${s.cql}`);
    expect(built).toEqual([]);
  });
});
