import { RecordKind } from './record-kind';

/**
 * The record kinds the stores hold, in the order a backfill copies them: a parent kind before
 * the kinds whose records live under it (posts before comments).
 */
export class RecordKinds {
  private readonly byName = new Map<string, RecordKind>();

  constructor(readonly all: readonly RecordKind[]) {
    const deletionNames = new Set<string>();
    for (const kind of all) {
      if (this.byName.has(kind.name) || all.some((k) => k !== kind && k.plural === kind.plural)) {
        throw new Error(`record kind ${kind.name} is declared twice`);
      }
      if (kind.parent && !this.byName.has(kind.parent.kind)) {
        throw new Error(
          `record kind ${kind.name} must come after its parent kind ${kind.parent.kind}`,
        );
      }
      if (kind.deletions) {
        if (
          deletionNames.has(kind.deletions.name) ||
          all.some((k) => k.plural === kind.deletions?.name)
        ) {
          throw new Error(`the deletions of ${kind.name} need a name of their own`);
        }
        deletionNames.add(kind.deletions.name);
      }
      this.byName.set(kind.name, kind);
    }
  }

  /** The kind called `name`, or undefined (a verify channel that is not a kind). */
  find(name: string): RecordKind | undefined {
    return this.byName.get(name);
  }

  get(name: string): RecordKind {
    const kind = this.byName.get(name);
    if (!kind) throw new Error(`unknown record kind ${name}`);
    return kind;
  }

  /** The kind a record of `kind` lives under, if any. */
  parentOf(kind: RecordKind): RecordKind | undefined {
    return kind.parent ? this.get(kind.parent.kind) : undefined;
  }

  /** The kinds whose deletions are recorded. */
  withDeletions(): RecordKind[] {
    return this.all.filter((kind) => kind.deletions);
  }
}
