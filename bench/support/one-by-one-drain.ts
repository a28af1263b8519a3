import { mapConcurrent } from '../../src/common/map-concurrent';
import { RecordKinds } from '../../src/kinds/record-kinds';
import { Hint, HintLog } from '../../src/store/hints/hint-log';
import { Replica } from '../../src/store/replica';

/**
 * The hint retry as it was before HINT_RETRY_BATCH / HINT_RETRY_CONCURRENCY (the baseline of
 * bench:secondary): 100 hints listed at a time, 8 at once, each record read from the primary on
 * its own, copied with one replica write and its hint removed on its own. No retries: the bench
 * fails if anything fails. Returns how many hints it copied.
 */
export async function drainOneByOne(
  kinds: RecordKinds,
  primary: Replica,
  secondary: Replica,
  hints: HintLog,
): Promise<number> {
  let copied = 0;
  for (;;) {
    const batch = await hints.list(100);
    if (batch.length === 0) return copied;
    await mapConcurrent(batch, 8, async (hint: Hint) => {
      const kind = kinds.get(hint.entity);
      const state = await primary.state(kind, hint.id);
      if (state.kind === 'live') await secondary.apply(kind, state.record);
      else if (state.kind === 'deleted') {
        await secondary.applyDelete(kind, hint.id, state.deletedAt);
      } else {
        const parent = kinds.parentOf(kind);
        const owner = parent && (await primary.state(parent, hint.postId));
        if (parent && owner?.kind === 'deleted') {
          await secondary.applyDelete(parent, hint.postId, owner.deletedAt);
        }
      }
      await hints.remove(hint);
      copied++;
    });
  }
}
