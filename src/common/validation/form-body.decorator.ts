import { Body, Injectable, PipeTransform } from '@nestjs/common';
import { ClassConstructor } from 'class-transformer';
import { FormInput, validateInput } from './input-validation';

/** Turns the body into a FormInput: the valid DTO, or each field's message and what was sent. */
@Injectable()
export class FormInputPipe<T extends object> implements PipeTransform<unknown, FormInput<T>> {
  constructor(private readonly dto: ClassConstructor<T>) {}

  transform(body: unknown): FormInput<T> {
    return validateInput(this.dto, body);
  }
}

/**
 * `@FormBody(PostInputDto) input: FormInput<PostInputDto>`: the handler decides how to answer
 * invalid input (re-render the form with 400, or JSON). The parameter's type is a union, which
 * the global ValidationPipe sees as Object and leaves alone, so it cannot throw first.
 */
export const FormBody = <T extends object>(dto: ClassConstructor<T>): ParameterDecorator =>
  Body(new FormInputPipe(dto));
