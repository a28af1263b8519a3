import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { Request, Response } from 'express';
import { Observable, map } from 'rxjs';
import { clearFlash, flashCookie, flashFor } from './flash';

/**
 * For page controllers (@Render): adds the pending flash message to the view model and clears
 * the cookie, so it shows on exactly one page. A page that fails (404...) leaves it for the next.
 */
@Injectable()
export class FlashInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const cookie = flashCookie(http.getRequest<Request>().headers.cookie);
    if (cookie === undefined) return next.handle();
    const res = http.getResponse<Response>();
    return next.handle().pipe(
      map((view: unknown) => {
        if (!view || typeof view !== 'object') return view;
        clearFlash(res);
        return { ...view, flash: flashFor(cookie) };
      }),
    );
  }
}
