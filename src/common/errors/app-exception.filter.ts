import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { Request, Response } from 'express';
import { wantsJson } from '../http/wants-json';
import { inRequestContext, requestIdOf } from '../logging/request-context';
import { bodyParserException } from './body-errors';
import { ErrorClass, classifyError } from './error-classification';
import { BadInputError, outcomeUnknown } from './service-errors';
import { SignInRequiredException } from './sign-in-required';

export const UNAVAILABLE_MESSAGE =
  'The database is not available right now; nothing was saved. Please try again.';
/**
 * A write whose store stopped answering after it may have received the operation: saying
 * "nothing was saved" could be false, and a blind retry could save it twice.
 */
export const OUTCOME_UNKNOWN_MESSAGE =
  'The database did not answer in time; your change may or may not have been saved. Please check before trying again.';
const UNEXPECTED_MESSAGE = 'Something went wrong on our side. Please try again later.';

const HEADINGS: Record<number, string> = {
  400: 'That request was not valid',
  401: 'Sign in first',
  403: 'Not allowed',
  404: 'Not found',
  409: 'Changed meanwhile',
  413: 'Too large',
  415: 'Unsupported format',
  429: 'Too many tries',
  503: 'Database unavailable',
};

interface Answer {
  body: Record<string, unknown>;
  message: string;
}

function httpAnswer(exception: HttpException, status: number): Answer {
  const response = exception.getResponse();
  const body =
    typeof response === 'object' && response !== null
      ? (response as Record<string, unknown>)
      : { statusCode: status, message: response };
  const raw = body.message;
  const message = Array.isArray(raw) ? raw.join(' ') : typeof raw === 'string' ? raw : '';
  return { body, message: message || exception.message };
}

/** Only a request that can change something can leave an unknown outcome behind. */
function isWrite(req: Request): boolean {
  return !['GET', 'HEAD', 'OPTIONS'].includes(req.method);
}

function answerFor(exception: unknown, { kind, status }: ErrorClass, req: Request): Answer {
  switch (kind) {
    case 'http':
      return httpAnswer(exception as HttpException, status);
    case 'bad-request': {
      const { field, message } = exception as BadInputError;
      return { body: { statusCode: status, message, errors: { [field]: message } }, message };
    }
    case 'conflict': {
      const { message } = exception as Error;
      return { body: { statusCode: status, message }, message };
    }
    case 'unavailable': {
      const message =
        isWrite(req) && outcomeUnknown(exception) ? OUTCOME_UNKNOWN_MESSAGE : UNAVAILABLE_MESSAGE;
      return { body: { statusCode: status, message }, message };
    }
    case 'unexpected':
      return {
        body: { statusCode: status, message: UNEXPECTED_MESSAGE },
        message: UNEXPECTED_MESSAGE,
      };
  }
}

/**
 * Every error of an HTTP request ends here: JSON for API clients, an error page (in the layout,
 * with the phase footer) for people. Decisions the app made keep their status (a body the parsers
 * refused among them: 400, 413 or 415); a store that is
 * down is a 503 that says nothing was saved (or, for a write whose answer was lost, that it may
 * have been); anything else is a 500, logged with its stack.
 */
@Catch()
export class AppExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpErrors');

  catch(thrown: unknown, host: ArgumentsHost): void {
    // a body the parsers refused is the client's 4xx, not our 500
    const exception = bodyParserException(thrown) ?? thrown;
    const req = host.switchToHttp().getRequest<Request>();
    const res = host.switchToHttp().getResponse<Response>();
    const classified = classifyError(exception);
    // a body the parsers refused never reached the logging context: the line still carries the id
    inRequestContext(req, () => this.log(exception, classified, req));
    if (res.headersSent) return;

    if (exception instanceof SignInRequiredException && !wantsJson(req)) {
      res.redirect(303, `/login?next=${encodeURIComponent(exception.next)}`);
      return;
    }
    const { status } = classified;
    const answer = answerFor(exception, classified, req);
    if (status === 503) res.setHeader('Retry-After', '5');
    // our failures (the logged ones) name the request, so a user can quote it and an operator
    // find its log lines; a deliberate answer (a /health 503, a 4xx) keeps its documented body
    const failure = classified.kind === 'unavailable' || classified.kind === 'unexpected';
    const requestId = failure ? requestIdOf(req) : undefined;
    if (wantsJson(req)) {
      res.status(status).json(requestId ? { ...answer.body, requestId } : answer.body);
      return;
    }
    const view = {
      pageTitle: HEADINGS[status] ?? 'Error',
      status,
      heading: HEADINGS[status] ?? (status >= 500 ? 'Something went wrong' : 'Error'),
      message: answer.message,
      requestId,
    };
    res.status(status).render('error', view, (renderError: Error | null, html?: string) => {
      if (renderError) {
        this.logger.error(`error page failed to render: ${renderError.message}`);
        res.type('text/plain').send(`${status} ${answer.message}`);
        return;
      }
      res.send(html);
    });
  }

  /** Our failures are logged with where they happened; a client's mistakes are not. */
  private log(exception: unknown, { kind }: ErrorClass, req: Request): void {
    if (kind === 'http' || kind === 'bad-request' || kind === 'conflict') return;
    const route = `${req.method} ${(req.route as { path?: string } | undefined)?.path ?? req.path}`;
    const id = typeof req.params?.id === 'string' ? ` id=${req.params.id}` : '';
    const error = exception instanceof Error ? exception : new Error(String(exception));
    if (kind === 'unavailable') {
      this.logger.error(`${route}${id}: store unavailable: ${error.name}: ${error.message}`);
    } else {
      this.logger.error(`${route}${id}: ${error.name}: ${error.message}`, error.stack);
    }
  }
}
