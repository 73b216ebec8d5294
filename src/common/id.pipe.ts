import { applyDecorators, Injectable, PipeTransform } from '@nestjs/common';
import { IsInt, Min, ValidateBy, ValidationOptions } from 'class-validator';
import { invalid, notFound } from './errors';

/** The largest value of a PostgreSQL `serial` (int4) id column. */
export const MAX_ROW_ID = 2_147_483_647;

/** The constraint the validation pipe turns into 404 rather than 422: a well-formed id no row can have. */
export const ROW_ID_IN_RANGE = 'rowIdInRange';

/**
 * Path ids are positive integers; one beyond the id column's range names no row, so it is 404 like any
 * other unknown id (and never reaches the database, which would fail on it).
 */
@Injectable()
export class ParseIdPipe implements PipeTransform<string | number, number> {
  /** `value` is the path text, or already a number where the global pipe converted it (NaN if it could not). */
  transform(value: string | number): number {
    const text = String(value).slice(0, 40);
    if (!/^\d+$/.test(text) || Number(text) < 1) throw invalid('id must be a positive integer');
    const id = Number(text);
    if (id > MAX_ROW_ID) throw notFound(`id ${text}`);
    return id;
  }
}

/**
 * A row id in a body: a positive integer (422 otherwise); one beyond the column's range is 404, since no
 * row has it (see validationPipe).
 */
export const IsRowId = (options: Pick<ValidationOptions, 'each'> = {}) =>
  applyDecorators(
    IsInt(options),
    Min(1, options),
    ValidateBy(
      {
        name: ROW_ID_IN_RANGE,
        validator: {
          validate: (value: unknown) => typeof value !== 'number' || value <= MAX_ROW_ID,
          defaultMessage: () => 'not found',
        },
      },
      options,
    ),
  );
