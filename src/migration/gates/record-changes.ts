import { ownerOf } from '../../kinds/record-kind';
import { Replica } from '../../store/replica';
import { Replicas } from '../../store/replicas';
import { Difference } from '../verify/verify.service';

/**
 * When the source last changed a differing record (its version, or its deletion, in
 * microseconds); undefined when the source cannot say (it never had the record). A record the
 * source no longer has went with the record it lived under, which the target still names.
 */
export async function changedAt(
  replicas: Replicas,
  difference: Difference,
  source: Replica,
  target: Replica,
): Promise<number | undefined> {
  const kind = replicas.kinds.find(difference.entity);
  if (!kind) return undefined;
  const state = await source.state(kind, difference.id);
  if (state.kind === 'live') return kind.writtenAt(state.record);
  if (state.kind === 'deleted') return state.deletedAt;
  const parent = replicas.kinds.parentOf(kind);
  if (!parent) return undefined;
  const left = await target.state(kind, difference.id);
  if (left.kind !== 'live') return undefined;
  const owner = await source.state(parent, ownerOf(kind, left.record));
  return owner.kind === 'deleted' ? owner.deletedAt : undefined;
}

/** The record is in neither store (any more): whatever differed has settled. */
export async function goneFromBoth(replicas: Replicas, difference: Difference): Promise<boolean> {
  const kind = replicas.kinds.find(difference.entity);
  if (!kind) return false;
  const states = await Promise.all(
    (['mongo', 'cassandra'] as const).map((name) => replicas.get(name).state(kind, difference.id)),
  );
  return states.every((state) => state.kind !== 'live');
}
