import {
  ArgumentMetadata,
  BadRequestException,
  Injectable,
  ValidationError,
  ValidationPipe,
} from '@nestjs/common';
import { ClassConstructor } from 'class-transformer';
import { MAX_LISTED_PROBLEMS, screenBody } from './input-validation';

/**
 * The global ValidationPipe (whitelist, forbidNonWhitelisted, transform) with the input limits
 * of validateInput: a body is screened (too many keys: 400 at once; unknown keys refused by name;
 * nested values never reach class-transformer) and at most MAX_LISTED_PROBLEMS messages listed.
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
      const { fields, unknown } = screenBody(
        metatype as ClassConstructor<object>,
        value as Record<string, unknown>,
      );
      if (unknown.length > 0) {
        // the whitelist's own words (forbidNonWhitelisted), without letting it see such keys
        const messages = unknown.map((key) => `property ${key} should not exist`);
        throw new BadRequestException(messages.slice(0, MAX_LISTED_PROBLEMS));
      }
      return super.transform(fields, metadata);
    }
    return super.transform(value, metadata);
  }

  protected override flattenValidationErrors(errors: ValidationError[]): string[] {
    return super.flattenValidationErrors(errors).slice(0, MAX_LISTED_PROBLEMS);
  }
}
