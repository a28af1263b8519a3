import { Injectable, NestMiddleware } from '@nestjs/common';
import { NextFunction, Request, Response } from 'express';
import { PostStoreRouter } from '../store/post-store.router';

/** Methods that never write (every write route is a POST). */
const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Pins each request to the phase served when it arrives (it finishes on that phase's store),
 * and shows that phase in the page footer.
 */
@Injectable()
export class PhasePinMiddleware implements NestMiddleware {
  constructor(private readonly router: PostStoreRouter) {}

  use(request: Request, response: Response, next: NextFunction): void {
    this.router.pin(
      (phase) => {
        response.locals.migrationPhase = phase;
        next();
      },
      {
        writes: !READS.has(request.method),
        onEnd: (ended) => response.once('close', ended),
      },
    );
  }
}

/**
 * Provides PostStore (routed by phase, see PostStoreRouter) and the plain stores for the
 * migration module. Needs DatabaseModule and PhaseModule (CurrentPhase).
 */
