import {
  NotFoundException,
  UnprocessableEntityException,
  ValidationError,
  ValidationPipe,
} from '@nestjs/common';
import { ROW_ID_IN_RANGE } from './id.pipe';

function describe(errors: ValidationError[], parent = ''): string[] {
  return errors.flatMap((error) => {
    const path = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((constraint) =>
      constraint.startsWith(error.property)
        ? `${path}${constraint.slice(error.property.length)}`
        : `${path}: ${constraint}`,
    );
    return [...own, ...describe(error.children ?? [], path)];
  });
}

/** `path value` for each id beyond its column's range, if those are the only errors; otherwise undefined. */
function idsBeyondRange(errors: ValidationError[], parent = ''): string[] | undefined {
  const found: string[] = [];
  for (const error of errors) {
    const path = parent ? `${parent}.${error.property}` : error.property;
    const constraints = Object.keys(error.constraints ?? {});
    if (constraints.some((name) => name !== ROW_ID_IN_RANGE)) return undefined;
    if (constraints.length) found.push(`${path} ${JSON.stringify(error.value)}`);
    const nested = idsBeyondRange(error.children ?? [], path);
    if (!nested) return undefined;
    found.push(...nested);
  }
  return found;
}

/**
 * One validation pipe for every route: unknown fields are rejected and every bad field is named in a 422.
 * The one exception is a well-formed id that no row can have (beyond its column's range): 404, as for
 * any other unknown id.
 */
export const validationPipe = () =>
  new ValidationPipe({
    transform: true,
    whitelist: true,
    forbidNonWhitelisted: true,
    exceptionFactory: (errors) => {
      const unknownIds = idsBeyondRange(errors);
      if (unknownIds?.length) return new NotFoundException(`${unknownIds.join(', ')} not found`);
      return new UnprocessableEntityException(describe(errors).join('; '));
    },
  });
