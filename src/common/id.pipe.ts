import { Injectable, PipeTransform } from '@nestjs/common';
import { invalid } from './errors';

const MAX_SERIAL = 2_147_483_647;

/** Path ids are positive integers that fit a PostgreSQL `serial`; anything else is 422, not a 500 from the database. */
@Injectable()
export class ParseIdPipe implements PipeTransform<string, number> {
  transform(value: string): number {
    const id = /^\d{1,10}$/.test(value) ? Number(value) : NaN;
    if (!Number.isInteger(id) || id < 1 || id > MAX_SERIAL)
      throw invalid(`id must be a positive integer, got "${value}"`);
    return id;
  }
}
