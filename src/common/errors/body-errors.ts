import {
  BadRequestException,
  HttpException,
  PayloadTooLargeException,
  UnsupportedMediaTypeException,
} from '@nestjs/common';

/** What body-parser (and the limits it runs, see validation/body-limits.ts) throws. */
interface ParserError {
  status: number;
  /** absent on some (a broken gzip stream is a bare 400) */
  type?: string;
  expose: boolean;
  message: string;
  limit?: number;
}

function isParserError(error: unknown): error is ParserError {
  const candidate = error as Partial<ParserError> | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.status === 'number' &&
    candidate.expose === true &&
    candidate.status >= 400 &&
    candidate.status < 500
  );
}

const NOTHING_SAVED = 'nothing was saved.';

/**
 * A request body the parsers refused, as the HttpException it is (413, 415 or 400, with a
 * message for people), or undefined for any other error. Without this, Nest sees an unknown
 * error and answers 500. Parser texts (positions, stack depths) are not shown.
 */
export function bodyParserException(error: unknown): HttpException | undefined {
  if (!isParserError(error)) return undefined;
  switch (error.type) {
    case 'entity.too.large': {
      const limit = typeof error.limit === 'number' ? ` (${error.limit} bytes)` : '';
      return new PayloadTooLargeException(
        `This request is larger than the largest form${limit}; ${NOTHING_SAVED}`,
      );
    }
    case 'parameters.too.many':
      return new BadRequestException(
        `This request has more fields than any form; ${NOTHING_SAVED}`,
      );
    case 'entity.parse.failed':
      return new BadRequestException(`This request's body is not valid JSON; ${NOTHING_SAVED}`);
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new UnsupportedMediaTypeException(
        `This request's encoding or charset is not supported; ${NOTHING_SAVED}`,
      );
    case 'body.too.many.keys':
    case 'body.too.deep':
      return new BadRequestException(error.message);
    default:
      // aborted, wrong length, a broken gzip stream…: the client's doing, with its own status
      return new HttpException(
        {
          statusCode: error.status,
          message: `This request could not be read; ${NOTHING_SAVED}`,
        },
        error.status,
      );
  }
}
