import { Logger } from '@nestjs/common';
import { Request } from 'express';
import pino from 'pino';
import { inRequestContext } from '../../../src/common/logging/request-context';
import { Hint, HintLog } from '../../../src/store/hints/hint-log';
import { Replica } from '../../../src/store/replica';
import { CopyTarget, SecondaryCopier } from '../../../src/store/dual-write/secondary-copier';

/** A secondary whose operations each wait until the test answers or fails them. */
class SlowSecondary {
  readonly name = 'cassandra';
  readonly started: string[] = [];
  private readonly waiting = new Map<string, { answer: () => void; fail: (e: Error) => void }>();
  /** the copy's write: starts an operation on this secondary */
  write = (id: string) => (): Promise<void> =>
    new Promise<void>((answer, fail) => {
      this.started.push(id);
      this.waiting.set(id, { answer, fail });
    });
  get running(): number {
    return this.waiting.size;
  }
  answer(id: string): void {
    this.waiting.get(id)?.answer();
    this.waiting.delete(id);
  }
  fail(id: string): void {
    this.waiting.get(id)?.fail(new Error('socket timeout'));
    this.waiting.delete(id);
  }
  answerAll(): void {
    for (const id of [...this.waiting.keys()]) this.answer(id);
  }
  asReplica(): Replica {
    return this as unknown as Replica;
  }
}

class FakeHints extends HintLog {
  readonly store = 'mongo';
  hints: Hint[] = [];
  fail = false;
  /** hint writes still being stored */
  slow?: Promise<void>;
  async record(hint: Hint) {
    if (this.slow) await this.slow;
    if (this.fail) throw new Error('hint store down');
    this.hints.push(hint);
  }
  pending = () => Promise.resolve(this.hints.length);
  list = () => Promise.resolve(this.hints);
  remove = () => Promise.resolve();
}

const target = (id: string): CopyTarget => ({ entity: 'post', id, postId: id, op: 'upsert' });

describe('SecondaryCopier: a real bound on copies in flight', () => {
  let secondary: SlowSecondary;
  let hints: FakeHints;
  let copier: SecondaryCopier;
  const copy = (id: string) => copier.copy(target(id), secondary.write(id));

  beforeEach(() => {
    jest.useFakeTimers();
    secondary = new SlowSecondary();
    hints = new FakeHints();
    copier = new SecondaryCopier('mongo', secondary.asReplica(), hints, {
      secondaryTimeoutMs: 100,
      maxInFlight: 4,
    });
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => {
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  it('1 000 writes against a secondary that never answers: at most maxInFlight operations, the rest hinted at once', async () => {
    let maxSeen = 0;
    for (let i = 0; i < 1000; i++) {
      await copy(`p${i}`);
      maxSeen = Math.max(maxSeen, copier.counters.inFlight, secondary.running);
      if (i % 100 === 0) await jest.advanceTimersByTimeAsync(150); // every started copy timed out
    }
    expect(maxSeen).toBe(4);
    expect(secondary.started).toEqual(['p0', 'p1', 'p2', 'p3']);
    expect(copier.counters).toEqual({
      writes: 1000,
      inFlight: 4,
      missed: 1000,
      shed: 996,
      unhinted: 0,
    });
    // every write has its durable hint: the four timed out, the rest not started
    expect(new Set(hints.hints.map((h) => h.id)).size).toBe(1000);
    expect(hints.hints.filter((h) => /did not answer within 100 ms/.test(h.error))).toHaveLength(4);
  });

  it('a timed-out copy frees its slot only when its operation ends (answered or failed), then copies start again', async () => {
    for (const id of ['a', 'b', 'c', 'd']) await copy(id);
    await jest.advanceTimersByTimeAsync(100);
    expect(hints.hints.map((h) => h.id)).toEqual(['a', 'b', 'c', 'd']); // all four hinted
    expect(copier.counters.inFlight).toBe(4); // and all four still running on the secondary

    secondary.answer('a'); // late, but it ended
    secondary.fail('b');
    await jest.advanceTimersByTimeAsync(0);
    expect(copier.counters.inFlight).toBe(2);
    await copy('e');
    await copy('f');
    await copy('g'); // the bound again
    expect(secondary.started).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    expect(copier.counters).toMatchObject({ inFlight: 4, shed: 1, missed: 5 });
    secondary.answer('e'); // in time: written, no hint
    await jest.advanceTimersByTimeAsync(0);
    expect(hints.hints.map((h) => h.id)).not.toContain('e');
    expect(copier.counters.inFlight).toBe(3);
  });

  it('drain() waits for operations that timed out until they end, and for hints being stored', async () => {
    await copy('a');
    let drained = false;
    void copier.drain().then(() => (drained = true));
    await jest.advanceTimersByTimeAsync(5000);
    expect(hints.hints).toHaveLength(1);
    expect(drained).toBe(false);

    let store!: () => void;
    hints.slow = new Promise((resolve) => (store = resolve));
    secondary.answer('a');
    for (const id of ['b', 'c', 'd', 'e']) await copy(id);
    const shedWriter = copy('f'); // hint being stored: the writer and drain() wait for it
    let answered = false;
    void shedWriter.then(() => (answered = true));
    await jest.advanceTimersByTimeAsync(0);
    expect(answered).toBe(false);
    store();
    hints.slow = undefined;
    await shedWriter;
    await jest.advanceTimersByTimeAsync(100);
    secondary.answerAll();
    await copier.drain();
    expect(drained).toBe(true);
    expect(copier.counters.inFlight).toBe(0);
  });

  it('a copy not started whose hint cannot be stored either is counted and logged as an error; the writer still succeeds', async () => {
    for (const id of ['a', 'b', 'c', 'd']) await copy(id);
    hints.fail = true;
    await expect(copy('lost')).resolves.toBeUndefined();
    expect(copier.counters).toMatchObject({ shed: 1, unhinted: 1 });
    expect(Logger.prototype.error).toHaveBeenCalledWith(expect.stringContaining('post lost'));
    await jest.advanceTimersByTimeAsync(100);
    secondary.answerAll();
    await copier.drain();
  });

  it('copies not started are summed up in one warning at most every 10 s, not one line each', async () => {
    for (const id of ['a', 'b', 'c', 'd']) await copy(id);
    const warn = Logger.prototype.warn as jest.Mock;
    for (let i = 0; i < 50; i++) await copy(`x${i}`);
    const shedLines = () =>
      warn.mock.calls.map(([line]) => String(line)).filter((line) => line.includes('not started'));
    expect(shedLines()).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(10_000);
    for (let i = 0; i < 7; i++) await copy(`y${i}`);
    expect(shedLines()).toHaveLength(2);
    expect(shedLines()[1]).toMatch(
      /^50 copies to cassandra \(secondary\) not started: 4 copies in flight/,
    );
    secondary.answerAll();
    await copier.drain();
  });

  it("a hint names the request whose copy missed (its id, from the request's context), and none outside one", async () => {
    const req = { id: 'req-7', log: pino({ level: 'silent' }) } as unknown as Request;
    await inRequestContext(req, () => copy('in-request'));
    await copy('outside');
    await jest.advanceTimersByTimeAsync(100);
    const byId = new Map(hints.hints.map((hint) => [hint.id, hint]));
    expect(byId.get('in-request')?.requestId).toBe('req-7');
    expect(byId.get('outside')).not.toHaveProperty('requestId');
  });
});
