import { MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { ControlModule } from '../control/control.module';
import { SchemaModule } from '../schema/schema.module';
import { StoreModule } from '../store/store.module';
import { PhaseFollower } from './phase-follower';
import { PhasePinMiddleware } from './phase-pin.middleware';

/**
 * The app's side of the phase: the follower that makes CurrentPhase the fleet's phase (at boot,
 * then polling the phase record) and reports this instance, and the middleware that pins each
 * request to the phase it arrived in. The CLI reads the phase record itself (PhaseControl).
 */
@Module({
  imports: [ControlModule, StoreModule, SchemaModule],
  providers: [PhaseFollower, PhasePinMiddleware],
  exports: [PhaseFollower],
})
export class PhaseModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(PhasePinMiddleware).forRoutes('{*splat}');
  }
}
