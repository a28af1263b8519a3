import { ArgumentMetadata, Injectable, ValidationError, ValidationPipe } from '@nestjs/common';
import { ClassConstructor } from 'class-transformer';
import { MAX_LISTED_PROBLEMS, screenBody } from './input-validation';

/**
 * The global ValidationPipe (whitelist, forbidNonWhitelisted, transform) with the input limits
 * of validateInput: a body is screened (too many keys: 400 at once; nested values never reach
 * class-transformer) and at most MAX_LISTED_PROBLEMS messages are listed.
 */
@Injectable()
export class BoundedValidationPipe extends ValidationPipe {
  constructor() {
    super({ whitelist: true, forbidNonWhitelisted: true, transform: true });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const { metatype } = metadata;
    if (
      metadata.type === 'body' &&
      metatype &&
      this.toValidate(metadata) &&
      typeof value === 'object' &&
      value !== null &&
      !Array.isArray(value)
    ) {
      const screened = screenBody(
        metatype as ClassConstructor<object>,
        value as Record<string, unknown>,
      );
      return super.transform(screened, metadata);
    }
    return super.transform(value, metadata);
  }

  protected override flattenValidationErrors(errors: ValidationError[]): string[] {
    return super.flattenValidationErrors(errors).slice(0, MAX_LISTED_PROBLEMS);
  }
}
