import { Hint, HintLog } from '../../../src/store/hints/hint-log';

/** A hint log in memory, keyed and removed like the stores' (one hint per record, newest wins). */
export class MemoryHints extends HintLog {
  readonly store = 'mongo';
  readonly hints = new Map<string, Hint>();
  /** how many hints each removeMany got */
  readonly removals: number[] = [];
  async record(hint: Hint) {
    const key = `${hint.entity}:${hint.id}`;
    if ((this.hints.get(key)?.at ?? -1) < hint.at) this.hints.set(key, hint);
  }
  async pending() {
    return this.hints.size;
  }
  async list(limit: number) {
    return [...this.hints.values()].sort((a, b) => a.at - b.at).slice(0, limit);
  }
  async remove(hint: Hint) {
    const key = `${hint.entity}:${hint.id}`;
    if (this.hints.get(key)?.at === hint.at) this.hints.delete(key);
  }
  override async removeMany(hints: readonly Hint[], concurrency: number) {
    this.removals.push(hints.length);
    await super.removeMany(hints, concurrency);
  }
}
