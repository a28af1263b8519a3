import { Transform } from 'class-transformer';

/** Trims strings; leaves anything else as it is so @IsString can reject it. */
export const Trim = () =>
  Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value));
