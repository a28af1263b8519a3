import { Injectable, Optional } from '@nestjs/common';
import { MigrationPhase, StoreName } from '../../config/migration-phase';
import { CassandraSide } from './cassandra-side';
import { MigrationSide } from './migration-side';
import { MongoSide } from './mongo-side';

/** A migration job needs a store this process is not connected to. */
export class SideNotConnectedError extends Error {
  constructor(store: StoreName) {
    super(`${store} is not connected in this process (check MIGRATION_PHASE and its settings)`);
  }
}

/** The stores as the migration sees them, and which one is the source of truth per phase. */
@Injectable()
export class MigrationSides {
  constructor(
    @Optional() private readonly mongo?: MongoSide,
    @Optional() private readonly cassandra?: CassandraSide,
  ) {}

  get(name: StoreName): MigrationSide {
    const side = name === 'mongo' ? this.mongo : this.cassandra;
    if (!side) throw new SideNotConnectedError(name);
    return side;
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
}
