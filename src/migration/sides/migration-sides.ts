import { Injectable } from '@nestjs/common';
import { MigrationPhase, StoreName } from '../../config/migration-phase';
import { CassandraSide } from './cassandra-side';
import { Difference } from '../verify/verify.service';
import { MigrationSide } from './migration-side';
import { MongoSide } from './mongo-side';

/** The stores as the migration sees them, and which one is the source of truth per phase. */
@Injectable()
export class MigrationSides {
  // both always exist: a store is connected when a side first queries it (StoreConnections)
  constructor(
    private readonly mongo: MongoSide,
    private readonly cassandra: CassandraSide,
  ) {}

  get(name: StoreName): MigrationSide {
    return name === 'mongo' ? this.mongo : this.cassandra;
  }

  /** The phase's source of truth and the other store. */
  direction(phase: MigrationPhase): { source: MigrationSide; target: MigrationSide } {
    const source: StoreName = phase === 'mongo' || phase === 'dual-write' ? 'mongo' : 'cassandra';
    return this.from(source);
  }

  from(source: StoreName): { source: MigrationSide; target: MigrationSide } {
    return {
      source: this.get(source),
      target: this.get(source === 'mongo' ? 'cassandra' : 'mongo'),
    };
  }

  /**
   * When the source last changed a differing record (its version, or its deletion, in
   * microseconds); undefined when the source cannot say (it never had the record).
   */
  async changedAt(
    difference: Difference,
    sourceName: StoreName,
    targetName: StoreName,
  ): Promise<number | undefined> {
    const source = this.get(sourceName);
    if (difference.entity === 'post') {
      const state = await source.postState(difference.id);
      if (state.kind === 'live') return state.post.version;
      return state.kind === 'deleted' ? state.deletedAt : undefined;
    }
    if (difference.entity !== 'comment') return undefined;
    const comment = await source.getComment(difference.id);
    if (comment) return comment.createdAt.getTime() * 1000;
    // gone from the source: it went with its post, which the target still names
    const left = await this.get(targetName).getComment(difference.id);
    return left ? source.store.deletionOf(left.postId) : undefined;
  }

  /** The record is in neither store (any more): whatever differed has settled. */
  async goneFromBoth(difference: Difference): Promise<boolean> {
    const sides = [this.get('mongo'), this.get('cassandra')];
    if (difference.entity === 'post') {
      const states = await Promise.all(sides.map((side) => side.postState(difference.id)));
      return states.every((state) => state.kind !== 'live');
    }
    if (difference.entity !== 'comment') return false;
    const comments = await Promise.all(sides.map((side) => side.getComment(difference.id)));
    return comments.every((comment) => comment === null);
  }
}
